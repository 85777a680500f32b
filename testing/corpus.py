"""Realistic synthetic news articles, deterministic for a seed.

Each article has a headline, a dateline and four to nine paragraphs of three to six sentences,
drawn from per-topic sentence templates filled with people, places, organisations, dates,
money, percentages and counts, so that chunks differ in wording the way real news does and
keyword search has a realistic vocabulary to work with.

>>> a = generate_article(random.Random(1), 7)
>>> a.title == generate_article(random.Random(1), 7).title and len(a.text.split("\\n\\n")) >= 5
True
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

FIRST = [
    "Amina",
    "Fatima",
    "Omar",
    "Leila",
    "Youssef",
    "Sara",
    "Khaled",
    "Nadia",
    "Hassan",
    "Mariam",
    "Ibrahim",
    "Layla",
    "Tarek",
    "Rania",
    "James",
    "Emma",
    "Lucas",
    "Olivia",
    "Mateo",
    "Sofia",
    "Hiroshi",
    "Yuki",
    "Wei",
    "Mei",
    "Arjun",
    "Priya",
    "Kwame",
    "Ama",
    "Chidi",
    "Ngozi",
    "Pierre",
    "Claire",
    "Hans",
    "Greta",
    "Ivan",
    "Olga",
    "Diego",
    "Lucia",
    "Tomasz",
    "Agnieszka",
    "Ahmed",
    "Zainab",
    "Mohammed",
    "Huda",
    "Carlos",
    "Elena",
    "Sipho",
    "Thandi",
    "Rafael",
    "Beatriz",
    "Anders",
    "Ingrid",
    "Kofi",
    "Efua",
    "Dmitri",
    "Anya",
    "Jamal",
    "Salma",
]
LAST = [
    "Haddad",
    "Mansour",
    "Benali",
    "Okafor",
    "Mensah",
    "Nakamura",
    "Tanaka",
    "Zhang",
    "Liu",
    "Sharma",
    "Patel",
    "Dubois",
    "Martin",
    "Schneider",
    "Weber",
    "Ivanova",
    "Petrov",
    "Garcia",
    "Lopez",
    "Kowalski",
    "Nowak",
    "Rahman",
    "Hussein",
    "Farouk",
    "Silva",
    "Costa",
    "Ndlovu",
    "Dlamini",
    "Lindqvist",
    "Berg",
    "Asante",
    "Boateng",
    "Volkov",
    "Khalil",
    "Saleh",
    "Rossi",
    "Bianchi",
    "Moreau",
    "Fischer",
    "Jensen",
    "Novak",
    "Horvat",
    "Aziz",
    "Karimi",
    "Tahir",
    "Obi",
    "Eze",
    "Alvarez",
    "Romero",
    "Sato",
    "Kim",
    "Park",
    "Chen",
]
CITIES = [
    "Tripoli",
    "Benghazi",
    "Derna",
    "Misrata",
    "Tunis",
    "Cairo",
    "Alexandria",
    "Algiers",
    "Rabat",
    "Casablanca",
    "Khartoum",
    "Nairobi",
    "Lagos",
    "Accra",
    "Dakar",
    "Addis-Ababa",
    "Kampala",
    "Lyon",
    "Marseille",
    "Hamburg",
    "Munich",
    "Krakow",
    "Gdansk",
    "Porto",
    "Seville",
    "Valencia",
    "Naples",
    "Turin",
    "Rotterdam",
    "Antwerp",
    "Bergen",
    "Uppsala",
    "Osaka",
    "Sapporo",
    "Pune",
    "Chennai",
    "Surabaya",
    "Cebu",
    "Valparaiso",
    "Cordoba",
    "Medellin",
    "Recife",
    "Halifax",
    "Winnipeg",
    "Adelaide",
    "Perth",
]
COUNTRIES = [
    "Libya",
    "Tunisia",
    "Egypt",
    "Algeria",
    "Morocco",
    "Sudan",
    "Kenya",
    "Nigeria",
    "Ghana",
    "Senegal",
    "Ethiopia",
    "Uganda",
    "France",
    "Germany",
    "Poland",
    "Portugal",
    "Spain",
    "Italy",
    "the-Netherlands",
    "Belgium",
    "Norway",
    "Sweden",
    "Japan",
    "India",
    "Indonesia",
    "the-Philippines",
    "Chile",
    "Argentina",
    "Colombia",
    "Brazil",
    "Canada",
    "Australia",
]
ORGS = [
    "the Ministry of Health",
    "the central bank",
    "the port authority",
    "the national oil company",
    "the electoral commission",
    "the teachers' union",
    "the Red Crescent",
    "the city council",
    "the UN mission",
    "the chamber of commerce",
    "the water utility",
    "the meteorological office",
    "the football federation",
    "the university hospital",
    "the transport ministry",
    "the farmers' cooperative",
    "the coast guard",
    "the anti-corruption agency",
    "the statistics office",
    "the energy regulator",
    "the supreme court",
    "the airport operator",
]
ROLES = [
    "spokesperson",
    "minister",
    "mayor",
    "governor",
    "chief economist",
    "head of research",
    "director",
    "senior engineer",
    "union leader",
    "commander",
    "envoy",
    "professor",
    "chief executive",
    "coach",
    "prosecutor",
    "doctor",
    "analyst",
    "board member",
]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

TOPICS: dict[str, list[str]] = {
    "economy": [
        "Inflation in {country} rose to {pct} in {month}, the {org_plain} said on {weekday}.",
        "{person}, the {role} at {org}, said prices for bread and fuel had climbed {pct} "
        "since {month}.",
        "Exports of {good} fell by {pct} to {money}, their lowest level since {year}.",
        "The {currency} lost {pct} of its value against the dollar over {n} weeks.",
        "Traders in {city} said demand for {good} had collapsed after the new tariff.",
        "The budget for {year} sets aside {money} for {sector}, up from {money2} a year ago.",
        "Economists warned that the deficit could reach {pct} of output by {year}.",
        "{person} told reporters the government would not raise interest rates before {month}.",
        "Small businesses in {city} reported a {pct} drop in sales during {month}.",
        "The stock index closed {pct} higher on {weekday} after {n} days of losses.",
    ],
    "politics": [
        "Parliament in {city} voted {n} to {n2} on {weekday} to approve the {law}.",
        "{person}, the {role}, called the vote a turning point for {country}.",
        "Opposition leaders said the {law} would weaken {org} and vowed to challenge it.",
        "Talks between the two governments resumed in {city} after a pause of {n} months.",
        "The {role} {person} resigned on {weekday}, citing pressure from {org}.",
        "Elections are scheduled for {month} {year}, though {org} has not confirmed the date.",
        "About {big} people marched through {city} to protest against the {law}.",
        "{person} said the coalition had agreed on {n} of the {n2} disputed points.",
        "Observers from {org} described the campaign in {region} as tense but peaceful.",
        "The cabinet met for {n} hours before announcing a reshuffle of {n2} ministries.",
    ],
    "conflict": [
        "Fighting broke out near {city} on {weekday}, killing at least {n} people, {org} said.",
        "{person}, a {role} with {org}, said {n2} families had fled the {district} district.",
        "Air strikes hit a depot on the outskirts of {city} late on {weekday}.",
        "A ceasefire brokered in {city2} in {month} has repeatedly been broken.",
        "The wounded were taken to the {hospital} hospital, which is short of supplies.",
        "{org} accused armed groups of blocking convoys carrying food and medicine.",
        "Residents of {city} said shelling had cut power and water for {n} days.",
        "The {role} {person} called for an independent inquiry into the attack.",
        "Since {month} {year}, more than {big} people have been displaced in {region}.",
        "A siege of the old town has lasted {n} months, according to {org}.",
    ],
    "health": [
        "Cases of {disease} in {region} rose to {big} this {season}, {org} reported.",
        "{person}, a {role} at {org}, said vaccination rates had fallen to {pct}.",
        "The {hospital} hospital in {city} opened a new ward with {n} beds on {weekday}.",
        "Doctors in {city} warned of shortages of insulin and antibiotics.",
        "A campaign to vaccinate {big} children against {disease} starts in {month}.",
        "The study of {big} patients found the treatment cut admissions by {pct}.",
        "Health workers in {country} have not been paid for {n} months, their union said.",
        "{org} sent {n} tonnes of medical supplies to {city} by road.",
        "Officials traced the outbreak to a water source near {city}.",
        "{person} urged residents to boil drinking water until further notice.",
    ],
    "weather": [
        "Heavy rain flooded parts of {city} on {weekday}, cutting roads to {city2}.",
        "Temperatures reached {temp} degrees in {region}, a record for {month}.",
        "The {org_plain} issued a storm warning for the coast until {weekday}.",
        "Farmers near {city} said the drought had destroyed {pct} of the {crop} harvest.",
        "{person}, a {role} at {org}, said the dam above {city} was at {pct} of capacity.",
        "Winds of {n} kilometres an hour tore roofs from houses in {district}.",
        "Rescue teams evacuated {big} residents from low-lying areas of {city}.",
        "The rainy season arrived {n} weeks late in {region} this year.",
        "Snow closed the mountain pass between {city} and {city2} for {n} days.",
        "Forecasters expect the dry spell in {country} to last until {month}.",
    ],
    "sport": [
        "{team} beat {team2} {n} to {n2} in {city} on {weekday}.",
        "{person} scored twice in the second half to keep {team} top of the league.",
        "The {role} {person} said the squad was tired after {n} matches in {n2} weeks.",
        "A crowd of {big} watched the final at the new stadium in {city}.",
        "{team} have not lost at home since {month} {year}.",
        "{person} broke the national record in the {distance} metres with a time of {time}.",
        "The federation fined {team} {money} after crowd trouble in {city2}.",
        "Tickets for the derby in {city} sold out within {n} hours.",
        "{person} will miss {n} weeks with a knee injury, the club said.",
        "The marathon through {city} drew {big} runners from {n} countries.",
    ],
    "science": [
        "Researchers at {org} in {city} published a study of {big} {subject} samples.",
        "{person}, a {role} who led the work, said the results surprised the team.",
        "The satellite will map {subject} across {region} for {n} years.",
        "The team found that {subject} levels had risen by {pct} since {year}.",
        "A new telescope near {city} recorded its first images on {weekday}.",
        "The project received {money} from {org} and {n} partner universities.",
        "Engineers in {city} tested a battery that charges in {n} minutes.",
        "{person} said more data would be needed before drawing conclusions.",
        "The findings appear in a journal this {season} and cover {n} sites in {country}.",
        "Archaeologists near {city} uncovered {n} tombs dating back {big} years.",
    ],
}
GOODS = [
    "olive oil",
    "wheat",
    "phosphate",
    "crude oil",
    "dates",
    "cotton",
    "steel",
    "cement",
    "fish",
    "gas",
]
SECTORS = ["schools", "roads", "hospitals", "the water network", "housing", "the army"]
LAWS = [
    "budget law",
    "electoral law",
    "media law",
    "pension reform",
    "land reform",
    "security bill",
    "tax bill",
    "constitutional amendment",
    "energy bill",
    "labour code",
]
CURRENCIES = ["dinar", "pound", "dirham", "naira", "cedi", "shilling", "rupee", "peso"]
DISEASES = ["measles", "cholera", "dengue", "malaria", "tuberculosis", "influenza", "polio"]
HOSPITALS = ["Al-Harish", "Al-Wahda", "St Mary's", "Central", "Al-Jala", "Queen Elizabeth"]
CROPS = ["wheat", "barley", "maize", "olive", "date", "coffee", "rice"]
SUBJECTS = ["soil", "coral", "glacier", "groundwater", "pollen", "seabed", "air quality"]
SEASONS = ["spring", "summer", "autumn", "winter"]
DISTRICTS = ["Sidi Khrebish", "old town", "harbour", "northern", "western", "university"]
TEAMS = [
    "Al-Ahly",
    "Al-Ittihad",
    "Olympique",
    "Racing",
    "United",
    "Rovers",
    "Athletic",
    "Sporting",
    "Dynamo",
    "Wanderers",
    "Rangers",
    "City",
]
REGIONS = ["the east", "the south", "the coast", "the highlands", "the delta", "the north"]


@dataclass(frozen=True)
class SyntheticArticle:
    name: str
    title: str
    text: str
    """Headline, dateline and paragraphs separated by blank lines."""


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _fill(template: str, rng: random.Random) -> str:
    year = rng.randint(2009, 2025)
    slots = {
        "person": _person(rng),
        "role": rng.choice(ROLES),
        "org": rng.choice(ORGS),
        "org_plain": rng.choice(ORGS).removeprefix("the "),
        "city": rng.choice(CITIES).replace("-", " "),
        "city2": rng.choice(CITIES).replace("-", " "),
        "country": rng.choice(COUNTRIES).replace("-", " "),
        "region": rng.choice(REGIONS),
        "district": rng.choice(DISTRICTS),
        "month": rng.choice(MONTHS),
        "weekday": rng.choice(WEEKDAYS),
        "year": str(year),
        "n": str(rng.randint(2, 60)),
        "n2": str(rng.randint(2, 60)),
        "big": f"{rng.randint(1, 950) * 100:,}",
        "pct": f"{rng.randint(1, 400) / 10:g} percent",
        "money": f"{rng.randint(2, 900)} million dollars",
        "money2": f"{rng.randint(2, 900)} million dollars",
        "good": rng.choice(GOODS),
        "sector": rng.choice(SECTORS),
        "law": rng.choice(LAWS),
        "currency": rng.choice(CURRENCIES),
        "disease": rng.choice(DISEASES),
        "hospital": rng.choice(HOSPITALS),
        "crop": rng.choice(CROPS),
        "subject": rng.choice(SUBJECTS),
        "season": rng.choice(SEASONS),
        "temp": str(rng.randint(38, 51)),
        "team": rng.choice(TEAMS),
        "team2": rng.choice(TEAMS),
        "distance": rng.choice(["400", "800", "1,500", "5,000", "10,000"]),
        "time": f"{rng.randint(1, 29)}:{rng.randint(10, 59)}.{rng.randint(0, 9)}",
    }
    sentence = _A_VOWEL.sub(r"\1n \2", template.format(**slots))
    return sentence[0].upper() + sentence[1:]


_A_VOWEL = re.compile(r"\b([Aa]) ([aeiou])")


def generate_article(rng: random.Random, number: int) -> SyntheticArticle:
    """One article; its topic, people and numbers all come from ``rng``."""
    topic = rng.choice(sorted(TOPICS))
    templates = TOPICS[topic]
    city = rng.choice(CITIES).replace("-", " ")
    headline = _fill(rng.choice(templates), rng).rstrip(".")
    date = f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(2012, 2025)}"
    paragraphs = [f"{city.upper()}, {date} - " + _fill(rng.choice(templates), rng)]
    for _ in range(rng.randint(4, 9)):
        sentences = [_fill(rng.choice(templates), rng) for _ in range(rng.randint(3, 6))]
        if rng.random() < 0.3:
            quote = _fill(rng.choice(templates), rng).rstrip(".")
            sentences.append(f'"{quote}," {_person(rng)} said.')
        paragraphs.append(" ".join(sentences))
    text = f"{headline}\n\n" + "\n\n".join(paragraphs) + "\n"
    return SyntheticArticle(f"{topic}-{number:06d}.txt", headline, text)


def generate(seed: int) -> Iterator[SyntheticArticle]:
    """An endless, reproducible stream of articles."""
    rng = random.Random(seed)
    number = 0
    while True:
        number += 1
        yield generate_article(rng, number)


def write_articles(folder: Path, articles: list[SyntheticArticle]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for article in articles:
        (folder / article.name).write_text(article.text, encoding="utf-8")


def sample_questions(articles: list[SyntheticArticle], n: int, seed: int) -> list[str]:
    """Questions a reader of these articles might ask: about their people, places and topics."""
    rng = random.Random(seed)
    forms = [
        "What did {person} say about {thing}?",
        "What happened in {city}?",
        "Why did {person} resign?",
        "How many people were displaced in {region}?",
        "Which hospital treated the wounded in {city}?",
        "When are the elections in {country}?",
        "How much did exports of {good} fall?",
        "Who scored for {team}?",
        "What did researchers find about {subject}?",
        "How high was inflation in {country} in {month}?",
    ]
    questions = []
    for _ in range(n):
        article = rng.choice(articles)
        words = article.text.split()
        names = [f"{a} {b}" for a, b in itertools.pairwise(words) if a in FIRST] or [_person(rng)]
        slots = {
            "person": rng.choice(names).strip(",."),
            "thing": rng.choice(LAWS + GOODS + DISEASES),
            "city": rng.choice(CITIES).replace("-", " "),
            "region": rng.choice(REGIONS),
            "country": rng.choice(COUNTRIES).replace("-", " "),
            "good": rng.choice(GOODS),
            "team": rng.choice(TEAMS),
            "subject": rng.choice(SUBJECTS),
            "month": rng.choice(MONTHS),
        }
        questions.append(rng.choice(forms).format(**slots))
    return questions
