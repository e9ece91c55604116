"""The demo site, in the words of the seed (demo/seed_homepage.txt, a real home page).

Nothing here is invented: every sentence is the seed's. Where the seed lost a value
(the facts' figures, awarding bodies, years) the field stays blank for an editor to fill.
The only words that are ours are the stories' titles, written from their sentences.
"""

SITE_NAME = "The Hong Kong University of Science and Technology"
SHORT_NAME = "HKUST"

STORY_INDEX = {
    "title": "News & Stories",
    "slug": "news",
    "intro": "Our latest endeavors are creating positive change in a dynamic global environment.",
}

# Newest first, as the seed lists them.
STORIES = [
    {
        "slug": "hkust-prepares-new-medical-school",
        "title": "HKUST commences preparations to establish a new medical school",
        "intro": (
            "With the support of the HKSAR Government, The Hong Kong University of Science and "
            "Technology (HKUST) has commenced preparations to establish a new medical school. "
            "Dedicated to training a new generation of tech-savvy doctors, the School will "
            "bolster the future readiness of the local healthcare system and advance Hong "
            "Kong's development as an international hub for medical training, research, and "
            "innovation."
        ),
    },
    {
        "slug": "eighth-inauguration-ceremony-of-named-professorships",
        "title": "Named Professorships Inauguration Ceremony honors seven faculty members",
        "intro": (
            "The Hong Kong University of Science and Technology (HKUST) today held the Eighth "
            "Inauguration Ceremony of Named Professorships to honor seven outstanding faculty "
            "members and acknowledge the generous support of their donors and supporters in "
            "promoting HKUST's dedicated pursuit of academic and research excellence. "
            "Officiating at the ceremony was HKUST Pro-Chancellor Dr. John CHAN Cho-Chak."
        ),
    },
    {
        "slug": "government-approves-third-medical-school-at-hkust",
        "title": "HKSAR Government approves Hong Kong's third medical school at HKUST",
        "intro": (
            "The establishment of Hong Kong's third medical school at The Hong Kong University "
            "of Science and Technology (HKUST) was approved today by the HKSAR Government (the "
            "Government). This landmark decision underscores the visionary leadership of the "
            "Government in fortifying Hong Kong’s medical system."
        ),
    },
]

LEAD_HEADING = "HKUST Leads the Pack"

RANKINGS_SECTION = {"heading": "Rankings", "intro": "Our international accolades"}

RANKINGS = [
    {
        "name": "Times Higher Education Impact Rankings",
        "year": 2025,
        "positions": [(19, "Globally"), (1, "in Hong Kong")],
        "publisher_note": "",
    },
    {
        "name": "Global Employability University Ranking",
        "year": 2026,
        "positions": [(1, "in Hong Kong"), (3, "in Greater China")],
        "publisher_note": (
            "Designed by the HR consultancy Emerging and published by Times Higher Education"
        ),
    },
    {
        "name": "QS Asia University Rankings",
        "year": 2026,
        "positions": [(2, "in Hong Kong"), (6, "in Asia")],
        "publisher_note": "",
    },
]

# An honour with no rank: the seed names it and gives nothing else.
DISTINCTIONS = [{"title": "Research and Discovery Champions Award"}]

FACTS_HEADING = "Facts and Figures"

# The seed kept each fact's label, qualifier and source but lost the figures: they stay
# blank, and a blank figure is never shown as a claim.
FACTS = [
    {
        "label": "Active HKUST Start-up Companies",
        "detail": (
            "Established by HKUST staff, students and alumni or incubated by HKUST programs "
            "or facilities"
        ),
        "source": "",
        "year": None,
    },
    {
        "label": "of Faculty Members",
        "detail": "World’s Top 2% Scientists",
        "source": "Stanford University",
        "year": 2023,
    },
    {
        "label": "Patent Influence Metric",
        "detail": "Nature’s Leading 200 academic institutions",
        "source": "Patent Influence Metric published in",
        "year": 2022,
    },
    {
        "label": "Unicorn Start-Ups",
        "detail": "Valued at >US$1 billion",
        "source": "",
        "year": None,
    },
]

# In the seed's order. Blank where the seed says nothing (years, awarding bodies, roles).
AWARDS = [
    {
        "honorific": "Mr.",
        "name": "Wesley LEUNG Ka Chun",
        "title": "Innovation and Technology Scholarship",
        "year": 2025,
        "awarding_body": "",
    },
    {
        "honorific": "Prof.",
        "name": "Kai Lung HUI",
        "title": "INFORMS Information Systems Society (ISS) Distinguished Fellow Award",
        "year": None,
        "awarding_body": "",
    },
    {
        "honorific": "",
        "name": "RAN Chunyan",
        "title": (
            "Outstanding Paper Award at the 9th Young Scholars Forum of Journal of Public "
            "Administration"
        ),
        "year": None,
        "awarding_body": "",
    },
    {
        "honorific": "Prof.",
        "name": "Jiatao LI",
        "title": "World’s Top 2% Most-cited Scientists",
        "year": 2025,
        "awarding_body": "Stanford University",
    },
]

STATEMENT = (
    "Dedicated to the United Nations' Sustainable Development Goals (SDGs), we cultivate a "
    "diverse community, fostering global citizenship, community engagement, and driving "
    "positive societal impact."
)

ACCOLADES_PAGE = {
    "title": "Rankings & Accolades",
    "slug": "rankings-and-accolades",
    "intro": RANKINGS_SECTION["intro"],
}
