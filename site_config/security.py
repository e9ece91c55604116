"""Security headers that Django 5.2 does not send, and the admin login's lockout.

Django's SecurityMiddleware already sends HSTS, X-Content-Type-Options, Referrer-Policy
and Cross-Origin-Opener-Policy, and XFrameOptionsMiddleware X-Frame-Options (settings in
base.py). Here: Content-Security-Policy and Permissions-Policy.

A middleware of our own rather than django-csp: the site needs two fixed policies chosen by
address (visitors' pages and the admin) and no nonces, which is a few lines; the policy is
a setting in the shape of Django 6.0's SECURE_CSP (a dict of directive to sources), so
that moving to Django 6 replaces this class with django.middleware.csp and keeps the
setting.

The admin's policy leaves scripts and styles alone: Wagtail's admin (8.0) still writes inline
scripts (its chooser widgets, inline panels and date pickers), and its previews render our
public templates inside admin addresses and frames. It still refuses plugins, <base>, forms
posted to other sites, and framing by other sites.
"""

import ipaddress

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property


def serialize_policy(directives):
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.public_policy = serialize_policy(settings.SECURE_CSP)
        self.admin_policy = serialize_policy(settings.SECURE_CSP_ADMIN)
        self.permissions_policy = ", ".join(
            f"{feature}=({' '.join(allowed)})"
            for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )

    @cached_property
    def admin_prefix(self):
        # Read at the first request, once the URLconf can be imported.
        return reverse("wagtailadmin_home")

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        if settings.DEBUG and response.status_code >= 400:
            # Django's debug error pages style themselves with inline <style>.
            return response
        policy = (
            self.admin_policy if request.path.startswith(self.admin_prefix) else self.public_policy
        )
        # A view's own policy wins: Wagtail serves documents with "default-src 'none'".
        response.headers.setdefault("Content-Security-Policy", policy)
        return response


def client_address(request):
    """The address a login attempt came from, for the lockout.

    Behind TRUSTED_PROXY_COUNT proxies that each append the address they were called from
    to X-Forwarded-For, the client's address is that many entries from the right: entries
    further left were written by the client and can be anything. Without proxies (0), or if
    the header has fewer entries than there are proxies (a request that went round them),
    the connection's own address.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR", "")
    if not proxies:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-proxies]))
    except ValueError:
        return remote


class LoginLockoutBackend(AxesStandaloneBackend):
    """django-axes's lockout check, for logins that come with a request.

    Every login form of the site (Wagtail's /admin/login/) passes the request. A call
    without one comes from code, not from a visitor (Django's test client `login()`, a
    shell): there is no address to count it by, so it is left to the next backend instead
    of failing as axes does.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def locked_out(request, original_response=None, credentials=None):
    """The admin login page again, saying why the login was refused and for how long.

    axes calls this (AXES_LOCKOUT_CALLABLE) instead of its one-line text answer. The status
    is 429, and the form keeps the username that was typed.
    """
    minutes = int(get_cool_off(request).total_seconds() // 60)
    message = (
        "Too many failed log-ins for this account from your address. For your security, "
        f"logging in is paused for {minutes} minutes: try again later, or ask an "
        "administrator to unlock the account."
    )
    context = getattr(original_response, "context_data", None) or {}
    form = context.get("form")
    if form is None or not isinstance(original_response, TemplateResponse):
        return HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    # The form's own error ("enter a correct username and password") would mislead: while
    # the lockout lasts, the right password is refused too.
    form.errors["__all__"] = form.error_class([message])
    # Rendered here: axes's middleware, which asks for it, is below those that read the
    # content.
    response = TemplateResponse(request, original_response.template_name, context, status=429)
    return response.render()
