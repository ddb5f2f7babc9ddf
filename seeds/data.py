"""Demonstration data set for the evidence catalogue.

Plain data, no Django imports; ``python manage.py seed`` loads it.

Everything here rests on one press article, kept in the shared seeds as
``000_e08bb0a2d794f05c.txt``; docs/seeds.md lists, fact by fact, what the
article says and whom it credits. The rules the data keeps:

- Nothing the article does not say. Our copy carries no author, publisher or
  publication date, and the article dates nothing on the calendar (it speaks
  of "today", the last day and day 36 of the war), so every incident date,
  report date and figure date is left empty and the incident precision is
  unknown. No photo, video, testimony or official document is filed that the
  article does not mention, and no perpetrator it does not name.
- Every claim is credited to whoever the article credits: a figure the article
  gives in its own voice is the article's, not some unnamed government's.
- Titles and summaries say "alleged", "says" or "according to" wherever the
  article reports a claim rather than a fact.
- Gradings follow the labels in catalogue/models.py (CaseSource), read
  literally. Reliability: the seed holds nothing on any source's past
  reporting, so every source is F, "reliability cannot be judged". Credibility:
  no claim is confirmed by an independent source, so 1 and 2 are out; a claim
  is 3, "possibly true", where another source on the same case says something
  that fits it (listed in ``agrees_with``), and 6, "truth cannot be judged",
  where nothing else bears on it. Each grading carries its reason in a comment.

The legal categories are an analyst's first, tentative qualification (codes
from ``catalogue/rome_statute.py``), not the article's words and not findings.
No victim or witness is named. Every evidence item is a reference to material
someone else holds; no URL and no time is recorded for any of them, because
the article gives neither.
"""

TEAM = {"name": "Ukraine desk", "slug": "ukraine-desk"}

# Gazetteer entries for the places the cases name. Coordinates and aliases are
# reference data for search and maps, not facts taken from the article.
PLACES = [
    {
        "key": "ukraine",
        "name": "Ukraine",
        "aliases": ["Україна", "Украина", "the Ukraine"],
        "admin_area": "",
        "country": "UA",
        "latitude": "48.3794",
        "longitude": "31.1656",
        "precision": "country",
    },
    {
        "key": "kyiv",
        "name": "Kyiv",
        "aliases": ["Kiev", "Київ", "Киев"],
        "admin_area": "Kyiv City",
        "country": "UA",
        "latitude": "50.4501",
        "longitude": "30.5234",
        "precision": "settlement",
    },
    {
        "key": "chernihiv",
        "name": "Chernihiv",
        "aliases": ["Chernigov", "Černihiv", "Чернігів", "Чернигов"],
        "admin_area": "Chernihiv Oblast",
        "country": "UA",
        "latitude": "51.4982",
        "longitude": "31.2893",
        "precision": "settlement",
    },
    {
        "key": "mariupol",
        "name": "Mariupol",
        "aliases": ["Mariupol'", "Mariupil", "Zhdanov", "Маріуполь", "Мариуполь"],
        "admin_area": "Donetsk Oblast",
        "country": "UA",
        "latitude": "47.0971",
        "longitude": "37.5434",
        "precision": "settlement",
    },
    {
        "key": "chornobyl-exclusion-zone",
        "name": "Chornobyl Exclusion Zone",
        "aliases": [
            "Chernobyl Exclusion Zone",
            "Chornobyl",
            "Chernobyl",
            "Chernobyl zone of alienation",
            "Чорнобильська зона відчуження",
            "Чернобыльская зона отчуждения",
            "Чорнобиль",
            "Чернобыль",
        ],
        "admin_area": "Kyiv Oblast",
        "country": "UA",
        "latitude": "51.2763",
        "longitude": "30.2219",
        "precision": "district",
    },
    {
        "key": "gomel",
        "name": "Gomel",
        "aliases": ["Homel", "Homiel", "Гомель"],
        "admin_area": "Gomel Region",
        "country": "BY",
        "latitude": "52.4345",
        "longitude": "30.9754",
        "precision": "settlement",
    },
    {
        "key": "russia",
        "name": "Russia",
        "aliases": [
            "Russian Federation",
            "Росія",
            "Російська Федерація",
            "Россия",
            "Российская Федерация",
        ],
        "admin_area": "",
        "country": "RU",
        "latitude": "61.5240",
        "longitude": "105.3188",
        "precision": "country",
    },
]

# Who the article quotes or relays. Only what the article tells us about each
# one is recorded; none of them has a track record in this catalogue.
SOURCES = [
    {
        "key": "news-article",
        "name": "Press article, author, publisher and date unrecorded (seed text 000_e08bb0a2d794f05c)",
        "kind": "media",
        "description": (
            "A news round-up. Our copy names no author and no publisher and"
            " carries no publication date; the latest point in time it names is"
            " day 36 of the war. It passes on statements by Ukrainian, NATO, British and"
            " US figures, gives some figures in its own voice without naming"
            " where they come from, and reports no checking of its own."
        ),
    },
    {
        "key": "sbu",
        "name": "SBU (Security Service of Ukraine)",
        "kind": "intelligence",
        "description": (
            "Called Ukraine's spy service by the article, which says it made"
            " public a recording of an intercepted phone conversation; the"
            " article adds that the recordings were put out on Twitter and are"
            " being gathered for war-crimes trials to come."
        ),
    },
    {
        "key": "nato-chief",
        "name": "Stoltenberg, head of NATO (first name printed as \"Jan\" in the article)",
        "kind": "international_org",
        "description": (
            "Quoted by the article speaking for NATO and relying on the"
            " alliance's intelligence. The article prints his first name as"
            " Jan; that it means Jens Stoltenberg is our reading, to be checked"
            " against the original remarks."
        ),
    },
    {
        "key": "gchq-chief",
        "name": "Sir Jeremy Fleming, head of GCHQ",
        "kind": "intelligence",
        "description": (
            "Described by the article as the UK's spy chief, speaking publicly"
            " in Australia about how Putin misread the war and about the state"
            " of Russian troops. He alleges no crime, so he is linked to no case."
        ),
    },
    {
        "key": "white-house",
        "name": "The White House",
        "kind": "government",
        "description": (
            "According to the article it said that Putin's advisers keep him"
            " badly informed. No crime is alleged, so it is linked to no case."
        ),
    },
    {
        "key": "radakin",
        "name": "Admiral Sir Tony Radakin, head of the British armed forces",
        "kind": "government",
        "description": (
            "The article reports his view that Russia's attempt to seize the"
            " whole country seems to have failed and that pulling back leaves"
            " Russian troops exposed to counter-attack. No crime is alleged, so"
            " he is linked to no case."
        ),
    },
    {
        "key": "yemelianenko",
        "name": "Yaroslav Yemelianenko",
        "kind": "open_source",
        "description": (
            "A named individual quoted by the article. It places him at the"
            " Ukrainian state body in charge of the exclusion zone but gives no"
            " post, and it presents his words as his own remarks, not as a"
            " finding of that body; they are filed here as his public"
            " statement."
        ),
    },
    {
        "key": "ukraine-claim",
        "name": "Ukraine (no official or body named)",
        "kind": "government",
        "description": (
            "Used only where the article credits a claim to \"Ukraine\" without"
            " saying who spoke: the figure of people taken into Russia."
        ),
    },
    {
        "key": "police",
        "name": "Police in Kyiv (force not named in the article)",
        "kind": "government",
        "description": (
            "The article says police cautioned rescue teams in Kyiv; it does"
            " not name the force or an officer."
        ),
    },
    {
        "key": "zelensky",
        "name": "Volodymyr Zelensky, President of Ukraine",
        "kind": "government",
        "description": (
            "Quoted on the state of Ukraine's defence and on the heavy weapons"
            " he asks Western countries for. He alleges no particular crime, so"
            " he is linked to no case."
        ),
    },
    {
        "key": "kuleba",
        "name": "Dmytro Kuleba, foreign minister of Ukraine",
        "kind": "government",
        "description": (
            "Said, according to the article, that careful records are kept of"
            " crimes against humanity. He names no incident, so he is linked"
            " to no case."
        ),
    },
]

# Only those the article names as having done, or being accused of, an act.
ACTORS = [
    {
        "key": "tank-crew",
        "name": "Three unidentified tank crewmen (named only by an intercepted caller)",
        "kind": "unit",
        "affiliation": "Russian forces, as the article describes the caller; unit not named",
    },
    {
        "key": "russian-troops",
        "name": "Russian Armed Forces",
        "kind": "state",
        "affiliation": "Russian Federation",
    },
    {
        "key": "putin",
        "name": "Vladimir Putin",
        "kind": "person",
        "affiliation": "Russian Federation (the article uses his surname only)",
    },
]

CASES = [
    {
        "reference": "UA-2022-0001",
        "title": "Alleged rape of a girl of 16 by three tank crewmen, described in a call released by the SBU",
        "summary": (
            "According to the article, the SBU made public a recording of an"
            " intercepted phone conversation in which a man the article calls"
            " a Russian soldier says three tank crewmen with him raped a girl,"
            " and that she was 16. The article gives no place, date, unit or"
            " name, and reports no check of the voice or the recording. The"
            " girl is not identified."
        ),
        "incident_start": None,
        "incident_end": None,
        "date_precision": "unknown",
        "status": "under_review",
        "sensitivity": "restricted",
        "places": [],
        "categories": ["8(2)(b)(xxii)-1", "8(2)(b)(xxi)", "7(1)(g)-1"],
        "perpetrators": ["tank-crew"],
        "sources": [
            {
                # F: the seed holds no record of the SBU's past releases to judge it by.
                # 6: nothing else in the record bears on what the caller says.
                "source": "sbu",
                "reliability": "F",
                "credibility": "6",
                "agrees_with": [],
                "statement": (
                    "Released, the article says, intercepted audio of a phone"
                    " conversation in which the speaker tells of the rape by three tank"
                    " crewmen of a 16-year-old girl. F6: no record of this"
                    " source's past reporting, and nothing else bears on the"
                    " caller's words."
                ),
                "reported_on": None,
            },
            {
                # F: author and publisher unknown, so no basis for judging reliability.
                # 6: it only relays the SBU release; nothing independent bears on it.
                "source": "news-article",
                "reliability": "F",
                "credibility": "6",
                "agrees_with": [],
                "statement": (
                    "Relays the SBU release and the caller's words, and says"
                    " the recordings are being gathered for future trials. F6:"
                    " author and publisher unknown; it adds nothing independent"
                    " of the release."
                ),
                "reported_on": None,
            },
        ],
        "victims": [],
        "evidence": [
            {
                "kind": "intercept",
                "title": "Intercepted call released by the SBU: caller speaks of a rape by tank crewmen",
                "description": (
                    "Audio of an intercepted phone conversation that, according"
                    " to the article, the SBU made public; the article says the"
                    " recordings, this one and others (one, about soldiers eating"
                    " a dog, alleges no crime), were put out on Twitter. The article does not say who"
                    " intercepted the call or when. No URL recorded; we hold no"
                    " copy."
                ),
                "held_by": "SBU (Security Service of Ukraine), which released it",
                "captured_by": "Not named in the article (the SBU released the recording)",
            },
            {
                "kind": "document",
                "title": "The seed article, reporting the SBU release",
                "description": (
                    "Text of the press article that reports the release and the"
                    " caller's words. Author, publisher and date are not in our"
                    " copy."
                ),
                "held_by": "Publisher not recorded; a text copy is kept as seed text 000_e08bb0a2d794f05c",
            },
        ],
    },
    {
        "reference": "UA-2022-0002",
        "title": "Alleged bombing of a theatre in Mariupol where refugees sheltered; 300 dead, the article reports",
        "summary": (
            "The article lists a bomb attack on a theatre in Mariupol, in which"
            " displaced people had taken shelter, among the accusations it"
            " mentions right after a petition, carrying close to 1.5 million"
            " signatures, asking that Putin stand trial before the International"
            " Criminal Court. In its own voice it puts the dead at 300 and does"
            " not say who counted them. It gives no date, does not name the"
            " theatre, and does not say who dropped the bombs."
        ),
        "incident_start": None,
        "incident_end": None,
        "date_precision": "unknown",
        "status": "under_review",
        "sensitivity": "open",
        "places": ["mariupol"],
        "categories": ["8(2)(b)(i)", "8(2)(b)(ii)", "8(2)(b)(ix)", "8(2)(a)(i)"],
        "perpetrators": ["putin"],
        "sources": [
            {
                # F: author and publisher unknown. 6: the only source on the case,
                # and it names no origin for the toll.
                "source": "news-article",
                "reliability": "F",
                "credibility": "6",
                "agrees_with": [],
                "statement": (
                    "Counts a bomb attack on a theatre in Mariupol that gave"
                    " shelter to displaced people among the accusations, next"
                    " to the petition seeking Putin's trial, and gives the dead as 300 without"
                    " a source. F6: author and publisher unknown; nothing else"
                    " in the record bears on it."
                ),
                "reported_on": None,
            },
        ],
        "victims": [
            {
                "category": "killed",
                "count": 300,
                "source": "news-article",
                "as_of": None,
                "note": (
                    "Stated by the article in its own voice, not credited to"
                    " anyone; undated; not verified."
                ),
            },
        ],
        "evidence": [
            {
                "kind": "document",
                "title": "The seed article, reporting the theatre bombing and its toll",
                "description": (
                    "Text of the press article that lists the bombing among the"
                    " accusations and gives the toll of 300. Author, publisher"
                    " and date are not in our copy."
                ),
                "held_by": "Publisher not recorded; a text copy is kept as seed text 000_e08bb0a2d794f05c",
            },
        ],
    },
    {
        "reference": "UA-2022-0003",
        "title": "Ukraine's claim that 400,000 residents were abducted to Russia",
        "summary": (
            "The article reports, crediting Ukraine without naming an official"
            " or body, a claim that 400,000 people living in Ukraine had been"
            " taken to Russia against their will. It gives no places, dates,"
            " method or breakdown, and does not say who took them."
        ),
        "incident_start": None,
        "incident_end": None,
        "date_precision": "unknown",
        "status": "reported",
        "sensitivity": "open",
        "places": ["ukraine", "russia"],
        "categories": ["7(1)(d)", "8(2)(a)(vii)-1", "8(2)(b)(viii)"],
        "perpetrators": [],
        "sources": [
            {
                # F: no speaker named and no past record to judge by.
                # 6: nothing else in the record bears on the figure.
                "source": "ukraine-claim",
                "reliability": "F",
                "credibility": "6",
                "agrees_with": [],
                "statement": (
                    "Claims, as the article puts it, that 400,000 people were"
                    " abducted into Russia. F6: no speaker named and no record"
                    " to judge by; nothing else bears on the figure."
                ),
                "reported_on": None,
            },
            {
                # F: author and publisher unknown. 6: it only relays the claim.
                "source": "news-article",
                "reliability": "F",
                "credibility": "6",
                "agrees_with": [],
                "statement": (
                    "Passes on the Ukrainian claim without detail. F6: author"
                    " and publisher unknown; it adds nothing to the claim."
                ),
                "reported_on": None,
            },
        ],
        "victims": [
            {
                "category": "deported",
                "count": 400000,
                "source": "ukraine-claim",
                "as_of": None,
                "note": (
                    "Ukraine's claim as relayed by the article, which calls"
                    " them abducted to Russia; no speaker, date or breakdown;"
                    " not verified."
                ),
            },
        ],
        "evidence": [
            {
                "kind": "document",
                "title": "The seed article, relaying Ukraine's claim of 400,000 abducted",
                "description": (
                    "Text of the press article that passes on the claim. The"
                    " article does not say where or how Ukraine made it."
                    " Author, publisher and date are not in our copy."
                ),
                "held_by": "Publisher not recorded; a text copy is kept as seed text 000_e08bb0a2d794f05c",
            },
        ],
    },
    {
        "reference": "UA-2022-0004",
        "title": "148 children of Ukraine killed by day 36 of the war, according to the article",
        "summary": (
            "The article states, in its own voice and without naming a source,"
            " that 148 children from Ukraine had died violently by the 36th day"
            " of the war. It says nothing of where, how or by whom. Each"
            " incident behind the figure would need its own case."
        ),
        "incident_start": None,
        "incident_end": None,
        "date_precision": "unknown",
        "status": "reported",
        "sensitivity": "open",
        "places": ["ukraine"],
        "categories": ["8(2)(b)(i)"],
        "perpetrators": [],
        "sources": [
            {
                # F: author and publisher unknown. 6: the only source on the case,
                # and it names no origin for the figure.
                "source": "news-article",
                "reliability": "F",
                "credibility": "6",
                "agrees_with": [],
                "statement": (
                    "Gives 148 children killed by day 36 as its own statement,"
                    " crediting no one. F6: author and publisher unknown;"
                    " nothing else in the record bears on the figure."
                ),
                "reported_on": None,
            },
        ],
        "victims": [
            {
                "category": "children_killed",
                "count": 148,
                "source": "news-article",
                "as_of": None,
                "note": (
                    "As of day 36 of the war, in the article's words; the"
                    " article credits no one for the figure. Not verified."
                ),
            },
        ],
        "evidence": [
            {
                "kind": "document",
                "title": "The seed article, giving the count of children killed",
                "description": (
                    "Text of the press article that gives the figure of 148."
                    " Author, publisher and date are not in our copy."
                ),
                "held_by": "Publisher not recorded; a text copy is kept as seed text 000_e08bb0a2d794f05c",
            },
        ],
    },
    {
        "reference": "UA-2022-0005",
        "title": "Police warning, reported by the article, that bodies in Kyiv might be rigged with explosives",
        "summary": (
            "According to the article, police told rescue teams combing"
            " wrecked parts of Kyiv that dead bodies might be rigged with"
            " explosives. It is a warning of a risk: the article reports no"
            " device found, names no one who set one, and gives no place or"
            " date."
        ),
        "incident_start": None,
        "incident_end": None,
        "date_precision": "unknown",
        "status": "reported",
        "sensitivity": "open",
        "places": ["kyiv"],
        "categories": ["8(2)(b)(xi)", "8(2)(b)(xxi)"],
        "perpetrators": [],
        "sources": [
            {
                # F: force not named, no record to judge by. 6: nothing else in
                # the record bears on the warning.
                "source": "police",
                "reliability": "F",
                "credibility": "6",
                "agrees_with": [],
                "statement": (
                    "Warned rescuers in Kyiv that corpses might carry hidden"
                    " explosives, as the article reports. F6: the force is not"
                    " named and has no record here; nothing else bears on the"
                    " warning."
                ),
                "reported_on": None,
            },
            {
                # F: author and publisher unknown. 6: it only relays the warning.
                "source": "news-article",
                "reliability": "F",
                "credibility": "6",
                "agrees_with": [],
                "statement": (
                    "Reports the police warning to rescue teams. F6: author and"
                    " publisher unknown; it adds nothing independent."
                ),
                "reported_on": None,
            },
        ],
        "victims": [],
        "evidence": [
            {
                "kind": "document",
                "title": "The seed article, reporting the police warning",
                "description": (
                    "Text of the press article that reports the warning. The"
                    " article does not say how the police gave it. Author,"
                    " publisher and date are not in our copy."
                ),
                "held_by": "Publisher not recorded; a text copy is kept as seed text 000_e08bb0a2d794f05c",
            },
        ],
    },
    {
        "reference": "UA-2022-0006",
        "title": "Alleged disturbance of radioactive sites by Russian troops in the Chornobyl zone",
        "summary": (
            "Yaroslav Yemelianenko, whom the article places at the Ukrainian"
            " state body in charge of the exclusion zone, says Russian soldiers"
            " stirred up contaminated sites, and points out that radiation"
            " harms everyone alike, whatever their rank. Separately, and in its"
            " own voice, the article says some Russian soldiers leaving the"
            " Chernobyl zone are being treated for radiation sickness at a"
            " Gomel clinic in Belarus. Neither claim is confirmed; the"
            " environmental qualification is tentative."
        ),
        "incident_start": None,
        "incident_end": None,
        "date_precision": "unknown",
        "status": "reported",
        "sensitivity": "open",
        "places": ["chornobyl-exclusion-zone", "gomel"],
        "categories": ["8(2)(b)(iv)"],
        "perpetrators": ["russian-troops"],
        "sources": [
            {
                # F: an individual with no stated post and no record here.
                # 3: the article's own report of soldiers treated for radiation
                # sickness fits his account; neither confirms the other.
                "source": "yemelianenko",
                "reliability": "F",
                "credibility": "3",
                "agrees_with": ["news-article"],
                "statement": (
                    "Says Russian soldiers stirred up contaminated sites in the"
                    " zone, and points to the rules that govern the area. F3: an individual with no"
                    " stated post or record here; the report of soldiers treated"
                    " for radiation sickness fits his account."
                ),
                "reported_on": None,
            },
            {
                # F: author and publisher unknown. 3: Yemelianenko's account fits
                # its report of soldiers treated for radiation sickness.
                "source": "news-article",
                "reliability": "F",
                "credibility": "3",
                "agrees_with": ["yemelianenko"],
                "statement": (
                    "Says, crediting no one, that some Russian soldiers pulling"
                    " out of the Chernobyl zone are being treated for radiation"
                    " sickness in Gomel, Belarus. F3: author and publisher"
                    " unknown; Yemelianenko's account fits it."
                ),
                "reported_on": None,
            },
        ],
        "victims": [],
        "evidence": [
            {
                "kind": "document",
                "title": "The seed article, quoting Yemelianenko and reporting the Gomel treatment",
                "description": (
                    "Text of the press article with Yemelianenko's remarks and"
                    " the report of soldiers treated in Gomel. It does not say"
                    " where or when he spoke. Author, publisher and date are not"
                    " in our copy."
                ),
                "held_by": "Publisher not recorded; a text copy is kept as seed text 000_e08bb0a2d794f05c",
            },
        ],
    },
    {
        "reference": "UA-2022-0007",
        "title": "Further air attacks reported on Kyiv and Chernihiv despite a claimed pull-back",
        "summary": (
            "The article reports that Kyiv as well as Chernihiv were struck from"
            " the air again during the day before it was written, although Moscow had"
            " said it would pull back from both. It does not say who carried"
            " them out, what was hit or who was hurt. NATO's head, citing"
            " alliance intelligence, says Russian units are repositioning"
            " rather than leaving and bear down on Kyiv and"
            " further cities. Whether civilians or civilian objects were struck is"
            " yet to be established."
        ),
        "incident_start": None,
        "incident_end": None,
        "date_precision": "unknown",
        "status": "reported",
        "sensitivity": "open",
        "places": ["kyiv", "chernihiv"],
        "categories": ["8(2)(b)(i)", "8(2)(b)(ii)"],
        "perpetrators": [],
        "sources": [
            {
                # F: author and publisher unknown. 3: Stoltenberg's claim that
                # Russia bears down on Kyiv fits the report.
                "source": "news-article",
                "reliability": "F",
                "credibility": "3",
                "agrees_with": ["nato-chief"],
                "statement": (
                    "Reports, crediting no one, fresh air attacks on Kyiv and"
                    " Chernihiv within the previous day, despite talk of a"
                    " pull-back. F3: author and publisher unknown; the NATO"
                    " head's account of Russia bearing down on Kyiv fits it."
                ),
                "reported_on": None,
            },
            {
                # F: no record here of his or NATO's past reporting. 3: the
                # article's report of fresh air attacks fits his account.
                "source": "nato-chief",
                "reliability": "F",
                "credibility": "3",
                "agrees_with": ["news-article"],
                "statement": (
                    "Citing NATO intelligence, says Russia has lied about its"
                    " aims, is regrouping to attack in the Donbas rather than"
                    " leaving, and bears down on Kyiv and further"
                    " cities. He describes no particular strike. F3: no record"
                    " here to judge by; the reported air attacks fit his account."
                ),
                "reported_on": None,
            },
        ],
        "victims": [],
        "evidence": [
            {
                "kind": "document",
                "title": "The seed article, reporting the air attacks and quoting the NATO head",
                "description": (
                    "Text of the press article that reports the attacks and"
                    " Stoltenberg's remarks. It does not say where he spoke."
                    " Author, publisher and date are not in our copy."
                ),
                "held_by": "Publisher not recorded; a text copy is kept as seed text 000_e08bb0a2d794f05c",
            },
        ],
    },
]
