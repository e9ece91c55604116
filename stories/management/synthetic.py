"""Synthetic stories for benchmarks: reproducible text made from fixed word lists.

Nothing here touches the database; generate_stories turns these values into rows. Story
number n of a seed is always the same story, so generating 10,000 stories and then 90,000
more gives the same site as generating 100,000 at once.
"""

import colorsys
import datetime
import itertools
import random
import uuid
from dataclasses import dataclass

TITLE_PREFIX = "[Synthetic] "
SYNTHETIC_TAG = "synthetic"
# Every synthetic story is in one of these, so the name of its category marks it too.
CATEGORY_NAMES = [
    "Synthetic Research",
    "Synthetic Campus",
    "Synthetic Teaching",
    "Synthetic Innovation",
    "Synthetic Community",
    "Synthetic Awards",
    "Synthetic Sustainability",
    "Synthetic Global",
]
TAG_NAMES = [
    "ai",
    "alumni",
    "biology",
    "chemistry",
    "climate",
    "data",
    "design",
    "energy",
    "engineering",
    "entrepreneurship",
    "health",
    "materials",
    "mathematics",
    "ocean",
    "physics",
    "policy",
    "robotics",
    "space",
    "students",
    "water",
]
# A synthetic story's hero image (generate_stories --images) shows one colour: this says so.
PICTURE_ALT = "A synthetic picture of one colour"


def picture_colour(number):
    """The colour of synthetic picture `number`: a hue of its own, neither light nor dark."""
    red, green, blue = colorsys.hsv_to_rgb(number * 47 % 360 / 360, 0.6, 0.6)
    return round(red * 255), round(green * 255), round(blue * 255)


# About fifteen years of stories, ending on a fixed day so that runs are reproducible.
LAST_DATE = datetime.date(2026, 6, 30)
DAYS_SPANNED = 15 * 365


def words(text):
    return text.split()


# Words of titles, intros and bodies, most frequent first: drawn with Zipf-like weights,
# so the first words are in many stories and the last in few, as in real text.
TOPIC_WORDS = words(
    """
research university students campus team science new study energy data health
technology engineering professor global innovation climate design community water
materials laboratory robotics medicine ocean physics chemistry biology mathematics
computing policy economics network sensor battery solar carbon vaccine genome protein
neuroscience quantum satellite microscope algorithm semiconductor catalyst membrane
infrastructure transport urban coastal typhoon biodiversity coral mangrove wetland
drone telescope particle laser photonics nanotechnology graphene polymer alloy
hydrogen turbine reactor startup scholarship fellowship partnership alumni
exhibition symposium lecture curriculum internship mentorship library archive
observatory greenhouse fermentation enzyme antibody microbiome pathogen epidemic
hospital clinic therapy diagnosis imaging cognition language linguistics philosophy
history heritage architecture landscape finance accounting marketing logistics
"""
)

# Words that appear in bodies only (never in titles or intros).
BODY_WORDS = words(
    """
the of and to in a for with on that by from as at this their which its into over
between across after during while through about more than each both also first
results findings approach method methodology analysis evidence experiment measurement
sample samples model models simulation framework collaboration colleagues researchers
investigators participants volunteers partners industry government funding grant
project projects programme initiative outcome outcomes impact application applications
process processes performance efficiency accuracy resolution scale capacity stability
durability cost costs years months weeks hours decade region regions city cities
country countries world society people patients families children teachers
developed designed tested measured observed reported published presented showed
suggested improved reduced increased enabled combined compared identified explored
important significant promising remarkable practical reliable affordable sustainable
early later recent current future long short higher lower larger smaller faster
"""
)

# Made-up surnames from three syllables: about 8,000 names, each in few stories, which
# makes them the rare words of the corpus.
NAME_SYLLABLES = words("ka lo mi ren to sa vel du qi an bor zei ha mun tri es po lan ye cor")

# Cumulative weights for random.choices: word i has weight 1 / (i + 1).
_TOPIC_WEIGHTS = list(itertools.accumulate(1 / (i + 1) for i in range(len(TOPIC_WORDS))))
_BODY_VOCABULARY = TOPIC_WORDS + BODY_WORDS
_BODY_WEIGHTS = list(
    itertools.accumulate(
        # Function words and topic words alike: body words weigh as much as common topics.
        [1 / (i + 1) for i in range(len(TOPIC_WORDS))] + [0.5] * len(BODY_WORDS)
    )
)


@dataclass
class SyntheticStory:
    title: str
    intro: str
    date: datetime.date
    published_at: datetime.time
    category_name: str
    tag_names: list
    body: list  # raw StreamField data: blocks of GeneralContentBlock


def synthetic_story(seed, number):
    """Story `number` of `seed`: the same arguments give the same story on every run."""
    rng = random.Random(seed * 10_000_019 + number)
    return SyntheticStory(
        title=TITLE_PREFIX + headline(rng, 3, 7),
        intro=sentence(rng, TOPIC_WORDS, _TOPIC_WEIGHTS, 12, 24),
        date=LAST_DATE - datetime.timedelta(days=rng.randrange(DAYS_SPANNED)),
        published_at=datetime.time(rng.randint(8, 18), rng.randrange(60)),
        category_name=rng.choice(CATEGORY_NAMES),
        tag_names=[SYNTHETIC_TAG, *rng.sample(TAG_NAMES, rng.randint(1, 3))],
        body=body(rng),
    )


def body(rng):
    """Paragraphs, a heading, more paragraphs, sometimes a quote: 200 to 700 words."""
    name = made_up_name(rng)
    blocks = [paragraph(rng) for _ in range(rng.randint(1, 2))]
    credit = f" The work was led by Professor {name}.</p>"
    blocks[0]["value"] = blocks[0]["value"].replace("</p>", credit)
    blocks.append(block(rng, "heading", {"text": headline(rng, 2, 5), "level": "h2"}))
    blocks += [paragraph(rng) for _ in range(rng.randint(2, 4))]
    if rng.random() < 0.3:
        quote = sentence(rng, _BODY_VOCABULARY, _BODY_WEIGHTS, 10, 25)
        blocks.append(block(rng, "quote", {"quote": quote, "attribution": f"Professor {name}"}))
    blocks += [paragraph(rng) for _ in range(rng.randint(1, 2))]
    return blocks


def paragraph(rng):
    sentences = [
        sentence(rng, _BODY_VOCABULARY, _BODY_WEIGHTS, 8, 22) for _ in range(rng.randint(3, 6))
    ]
    return block(rng, "paragraph", f"<p>{' '.join(sentences)}</p>")


def block(rng, kind, value):
    # Block ids from the seeded generator, not uuid4, so that runs are reproducible.
    return {"type": kind, "value": value, "id": str(uuid.UUID(int=rng.getrandbits(128), version=4))}


def headline(rng, shortest, longest):
    words = rng.choices(TOPIC_WORDS, cum_weights=_TOPIC_WEIGHTS, k=rng.randint(shortest, longest))
    # A word said twice reads as a mistake in a headline.
    return sentence_case(dict.fromkeys(words))


def sentence(rng, words, cum_weights, shortest, longest):
    chosen = rng.choices(words, cum_weights=cum_weights, k=rng.randint(shortest, longest))
    return sentence_case(chosen) + "."


def sentence_case(words):
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def made_up_name(rng):
    return "".join(rng.choices(NAME_SYLLABLES, k=3)).capitalize()
