"""Demonstration data set for the evidence catalogue.

Plain data, no Django imports; ``python manage.py seed`` loads it.

Everything here is drawn from one UK press report published on the 36th day
of the full-scale invasion (24 February 2022 counts as day 1, so the report
is dated 31 March 2022; its "last 24 hours" means 30-31 March 2022). The
report is stored in the repository's shared seeds as
``000_e08bb0a2d794f05c.txt``. Its facts are restated here in our own words;
the only quotations are a few words long.

Each allegation in the report is one case. The legal categories are an
analyst's first, tentative qualification (codes from
``catalogue/rome_statute.py``), not findings. Source gradings use the
Admiralty system: reliability of the source A (completely reliable) to
F (cannot be judged), credibility of the information 1 (confirmed) to
6 (cannot be judged). Most sources are parties to the conflict or allied
with one, and the grades say so.

We hold no media files for these cases: every evidence item is a reference
to material held by someone else, and no URL is recorded for any of them.
No victim or witness is named.
"""

ARTICLE_DATE = "2022-03-31"

TEAM = {"name": "Ukraine desk", "slug": "ukraine-desk"}

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
        "key": "kyiv-oblast",
        "name": "Kyiv Oblast",
        "aliases": [
            "Kyiv region",
            "Kiev Oblast",
            "Kiev region",
            "Київська область",
            "Киевская область",
        ],
        "admin_area": "Kyiv Oblast",
        "country": "UA",
        "latitude": "50.0529",
        "longitude": "30.7667",
        "precision": "region",
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
        "key": "mariupol-drama-theatre",
        "name": "Mariupol Drama Theatre",
        "aliases": [
            "Donetsk Academic Regional Drama Theatre",
            "Mariupol Theatre",
            "Mariupol Drama Theater",
            "Донецький академічний обласний драматичний театр",
            "Маріупольський драмтеатр",
            "Донецкий академический областной драматический театр",
            "Мариупольский драмтеатр",
        ],
        "admin_area": "Donetsk Oblast",
        "country": "UA",
        "latitude": "47.0955",
        "longitude": "37.5494",
        "precision": "exact",
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
        "key": "donbas",
        "name": "Donbas",
        "aliases": ["Donbass", "Донбас", "Донбасс"],
        "admin_area": "Donetsk and Luhansk oblasts",
        "country": "UA",
        "latitude": "48.0000",
        "longitude": "38.0000",
        "precision": "region",
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

SOURCES = [
    {
        "key": "news-article",
        "name": "UK press report, 31 March 2022 (seed article 000_e08bb0a2d794f05c)",
        "kind": "media",
        "description": (
            "Round-up published on day 36 of the invasion. Secondary reporting:"
            " it relays claims by Ukrainian, NATO, British and US officials,"
            " often without naming who first made them, and adds no"
            " independent verification. Publisher and author are not recorded"
            " in our copy."
        ),
    },
    {
        "key": "sbu",
        "name": "Security Service of Ukraine (SBU)",
        "kind": "intelligence",
        "description": (
            "Ukraine's state security and counter-intelligence service. A party"
            " to the conflict: it publishes intercepted Russian communications"
            " on social media and says it is compiling them for future war"
            " crimes trials."
        ),
    },
    {
        "key": "nato-secretary-general",
        "name": "Jens Stoltenberg, NATO Secretary General",
        "kind": "international_org",
        "description": (
            "Spoke for the alliance, citing allied intelligence. The seed"
            " article misspells his first name as \"Jan\"; the correct name is"
            " Jens Stoltenberg."
        ),
    },
    {
        "key": "gchq-director",
        "name": "Sir Jeremy Fleming, Director of GCHQ",
        "kind": "intelligence",
        "description": (
            "Head of the UK signals intelligence agency. In a public speech in"
            " Australia he assessed Russia's military performance and morale;"
            " he made no war crimes allegation, so he is not linked to a case."
        ),
    },
    {
        "key": "white-house",
        "name": "The White House",
        "kind": "government",
        "description": (
            "Office of the US President. Quoted only on how well informed"
            " President Putin is by his advisers; no crime allegation, so not"
            " linked to a case."
        ),
    },
    {
        "key": "uk-chief-of-defence-staff",
        "name": "Admiral Sir Tony Radakin, UK Chief of the Defence Staff",
        "kind": "government",
        "description": (
            "Head of the British armed forces. Assessed that Russia's attempt"
            " to seize the whole of Ukraine had failed and that the pull-back"
            " exposes Russian troops to Ukrainian counter-attacks."
        ),
    },
    {
        "key": "ua-exclusion-zone-agency",
        "name": (
            "State Agency of Ukraine on Exclusion Zone Management"
            " (Yaroslav Yemelianenko)"
        ),
        "kind": "government",
        "description": (
            "Ukrainian state body that administers the Chornobyl exclusion"
            " zone. The article quotes Yaroslav Yemelianenko as speaking from"
            " the agency without giving his post; confirm his role before"
            " relying on him as an official voice."
        ),
    },
    {
        "key": "ua-national-police",
        "name": "National Police of Ukraine",
        "kind": "government",
        "description": (
            "Ukrainian police. According to the article they warned rescue"
            " crews around Kyiv about booby-trapped bodies."
        ),
    },
    {
        "key": "ua-government",
        "name": "Government of Ukraine (officials not named)",
        "kind": "government",
        "description": (
            "Figures that the article attributes to \"Ukraine\" or gives"
            " without attribution, taken here as Ukrainian official claims:"
            " the number of children killed and the number of people taken"
            " to Russia. A party to the conflict."
        ),
    },
    {
        "key": "zelensky",
        "name": "Volodymyr Zelensky, President of Ukraine",
        "kind": "government",
        "description": (
            "Quoted on the state of Ukraine's defence and on his requests to"
            " Western governments for heavy weapons. No specific crime"
            " allegation in the article, so not linked to a case."
        ),
    },
    {
        "key": "kuleba",
        "name": "Dmytro Kuleba, Minister of Foreign Affairs of Ukraine",
        "kind": "government",
        "description": (
            "Said in general terms that crimes against humanity are being"
            " documented with care. Names no specific incident."
        ),
    },
]

ACTORS = [
    {
        "key": "russian-federation",
        "name": "Russian Federation",
        "kind": "state",
        "affiliation": "",
    },
    {
        "key": "russian-armed-forces",
        "name": "Russian Armed Forces",
        "kind": "state",
        "affiliation": "Russian Federation",
    },
    {
        "key": "russian-aerospace-forces",
        "name": "Russian Aerospace Forces (VKS)",
        "kind": "unit",
        "affiliation": "Russian Armed Forces",
    },
    {
        "key": "unidentified-russian-tank-crew",
        "name": "Unidentified Russian tank crew",
        "kind": "unit",
        "affiliation": "Russian Armed Forces (unit not identified)",
    },
]

CASES = [
    {
        "reference": "UA-2022-0001",
        "title": "Intercepted call: soldier says a tank crew raped a 16-year-old girl",
        "summary": (
            "The SBU published an intercepted phone call in which a man it"
            " identifies as a Russian soldier says that three tankmen in his"
            " unit raped a girl and that she was 16. Speaker, unit, place and"
            " date are all unconfirmed, and the recording has not been examined"
            " independently; the sole basis is the audio released by a party"
            " to the conflict. The victim is not identified."
        ),
        "incident_start": "2022-02-24",
        "incident_end": "2022-03-31",
        "date_precision": "approximate",
        "status": "under_review",
        "sensitivity": "restricted",
        "places": ["ukraine"],
        "categories": ["8(2)(b)(xxii)-1", "8(2)(b)(xxi)", "7(1)(g)-1"],
        "perpetrators": ["unidentified-russian-tank-crew", "russian-armed-forces"],
        "sources": [
            {
                "source": "sbu",
                "reliability": "B",
                "credibility": "3",
                "statement": (
                    "Released the audio of an intercepted call, saying it is"
                    " Russian military speech and part of a collection kept for"
                    " war crimes prosecutions. Graded B/3: a state intelligence"
                    " service with real interception capacity, but a party to"
                    " the conflict with a stake in publicity; voice, unit and"
                    " circumstances cannot yet be checked, so the content is"
                    " possibly true."
                ),
                "reported_on": ARTICLE_DATE,
            },
            {
                "source": "news-article",
                "reliability": "C",
                "credibility": "3",
                "statement": (
                    "Reports the SBU release and summarises what the soldier"
                    " says about three tank crewmen and a girl of 16; adds"
                    " nothing beyond the SBU material."
                ),
                "reported_on": ARTICLE_DATE,
            },
        ],
        "victims": [],
        "evidence": [
            {
                "kind": "intercept",
                "title": "SBU intercept: soldier describes rape by tank crew",
                "description": (
                    "Audio of a phone call, said by the SBU to be between a"
                    " Russian serviceman and another person, in which the"
                    " speaker reports that tank crew members raped a girl aged"
                    " 16. Posted by the SBU on Twitter/X together with other"
                    " intercepts (one of them, about soldiers eating a dog for"
                    " want of meat, is context only, not an allegation). No URL"
                    " recorded; the original recording is held by the SBU."
                ),
                "held_by": "Security Service of Ukraine (SBU)",
                "captured_at": None,
                "captured_by": "Security Service of Ukraine (SBU), interception",
            },
        ],
    },
    {
        "reference": "UA-2022-0002",
        "title": "Bombing of the Mariupol Drama Theatre sheltering civilians",
        "summary": (
            "The Mariupol Drama Theatre, where displaced civilians had taken"
            " refuge, was bombed on 16 March 2022. The article puts the death"
            " toll at 300, without naming the authority behind the figure, and"
            " lists the strike among the accusations against Russia. Our file"
            " so far rests on secondary reporting only."
        ),
        "incident_start": "2022-03-16",
        "incident_end": None,
        "date_precision": "day",
        "status": "under_review",
        "sensitivity": "open",
        "places": ["mariupol", "mariupol-drama-theatre"],
        "categories": ["8(2)(b)(i)", "8(2)(b)(ii)", "8(2)(b)(ix)", "8(2)(a)(i)"],
        "perpetrators": ["russian-aerospace-forces", "russian-armed-forces"],
        "sources": [
            {
                "source": "news-article",
                "reliability": "C",
                "credibility": "3",
                "statement": (
                    "Says a theatre in Mariupol that was sheltering refugees"
                    " was bombed and that 300 people are reported dead; counts"
                    " it among the accusations made against Russia. Neither the"
                    " date nor the origin of the toll is given in the article."
                ),
                "reported_on": ARTICLE_DATE,
            },
        ],
        "victims": [
            {
                "category": "killed",
                "count": 300,
                "source": "news-article",
                "as_of": ARTICLE_DATE,
                "note": (
                    "Reported toll as carried by the article, which does not"
                    " attribute it; not independently verified."
                ),
            },
        ],
        "evidence": [
            {
                "kind": "image",
                "title": "Photographs and video of the damaged theatre",
                "description": (
                    "Still and moving images of the theatre after the strike,"
                    " circulating in media and open-source collections. To be"
                    " located, archived and linked; we hold no copy."
                ),
                "held_by": "Third-party media and open-source archives (to be identified)",
                "captured_at": None,
                "captured_by": "Unknown",
            },
            {
                "kind": "webpage",
                "title": "Press report of the theatre death toll",
                "description": (
                    "The 31 March 2022 article giving the toll of 300 for the"
                    " theatre bombing."
                ),
                "held_by": "The publisher of the seed article",
                "captured_at": None,
                "captured_by": "Ukraine desk",
            },
        ],
    },
    {
        "reference": "UA-2022-0003",
        "title": "Claimed removal of 400,000 Ukrainians to Russia",
        "summary": (
            "Ukrainian officials claim that some 400,000 residents had been"
            " taken to Russia against their will by the end of March 2022. The"
            " figure is a party's claim, with no breakdown by place or date and"
            " no independent confirmation; it may mix forced removals with"
            " other movements. The foreign minister says crimes against"
            " humanity are being documented."
        ),
        "incident_start": "2022-02-24",
        "incident_end": "2022-03-31",
        "date_precision": "approximate",
        "status": "reported",
        "sensitivity": "open",
        "places": ["ukraine", "russia"],
        "categories": ["7(1)(d)", "8(2)(a)(vii)-1", "8(2)(b)(viii)"],
        "perpetrators": ["russian-federation", "russian-armed-forces"],
        "sources": [
            {
                "source": "ua-government",
                "reliability": "B",
                "credibility": "3",
                "statement": (
                    "Claims about 400,000 Ukrainians were abducted and moved"
                    " into Russia. Graded B/3: official body of a party to the"
                    " conflict; the aggregate cannot be checked from what is"
                    " published."
                ),
                "reported_on": ARTICLE_DATE,
            },
            {
                "source": "kuleba",
                "reliability": "B",
                "credibility": "6",
                "statement": (
                    "Says in general terms that crimes against humanity are"
                    " being carefully recorded. He does not mention this"
                    " figure, so the information cannot be judged for this"
                    " case (6)."
                ),
                "reported_on": ARTICLE_DATE,
            },
            {
                "source": "news-article",
                "reliability": "C",
                "credibility": "3",
                "statement": (
                    "Relays the Ukrainian claim of 400,000 people abducted to"
                    " Russia without further detail."
                ),
                "reported_on": ARTICLE_DATE,
            },
        ],
        "victims": [
            {
                "category": "deported",
                "count": 400000,
                "source": "ua-government",
                "as_of": ARTICLE_DATE,
                "note": (
                    "Ukrainian claim of people abducted to Russia; no breakdown"
                    " or method given; unverified."
                ),
            },
        ],
        "evidence": [
            {
                "kind": "document",
                "title": "Ukrainian official statement on people taken to Russia",
                "description": (
                    "The Ukrainian statement behind the 400,000 figure, as"
                    " relayed by the article. The original statement is still"
                    " to be traced."
                ),
                "held_by": "Government of Ukraine",
                "captured_at": None,
                "captured_by": "Government of Ukraine",
            },
        ],
    },
    {
        "reference": "UA-2022-0004",
        "title": "Children killed since the invasion began: 148 by day 36",
        "summary": (
            "According to the figure reported in the article, 148 Ukrainian"
            " children had died in the war by its 36th day (31 March 2022)."
            " The article does not name who counted them; we treat it as a"
            " Ukrainian official tally, unverified and without a breakdown by"
            " incident. Individual incidents should become their own cases."
        ),
        "incident_start": "2022-02-24",
        "incident_end": "2022-03-31",
        "date_precision": "day",
        "status": "reported",
        "sensitivity": "open",
        "places": ["ukraine"],
        "categories": ["8(2)(b)(i)", "8(2)(b)(iv)", "8(2)(a)(i)"],
        "perpetrators": ["russian-armed-forces"],
        "sources": [
            {
                "source": "ua-government",
                "reliability": "B",
                "credibility": "3",
                "statement": (
                    "Cumulative count of 148 children killed by 31 March 2022."
                    " Graded B/3: official figures from a party to the conflict,"
                    " cumulative and not broken down by incident or cause."
                ),
                "reported_on": ARTICLE_DATE,
            },
            {
                "source": "kuleba",
                "reliability": "B",
                "credibility": "6",
                "statement": (
                    "General statement that crimes against humanity are being"
                    " documented; does not address the child deaths as such, so"
                    " cannot be judged for this case (6)."
                ),
                "reported_on": ARTICLE_DATE,
            },
            {
                "source": "news-article",
                "reliability": "C",
                "credibility": "3",
                "statement": "Carries the figure of 148 children killed by day 36, unattributed.",
                "reported_on": ARTICLE_DATE,
            },
        ],
        "victims": [
            {
                "category": "children_killed",
                "count": 148,
                "source": "ua-government",
                "as_of": ARTICLE_DATE,
                "note": "Cumulative since 24 February 2022; all causes; unverified.",
            },
        ],
        "evidence": [
            {
                "kind": "dataset",
                "title": "Ukrainian official tally of children killed",
                "description": (
                    "The official count behind the 148 figure, to be obtained"
                    " with its per-incident breakdown. Not yet in hand."
                ),
                "held_by": "Government of Ukraine",
                "captured_at": None,
                "captured_by": "Government of Ukraine",
            },
        ],
    },
    {
        "reference": "UA-2022-0005",
        "title": "Booby-trapped bodies left in areas around Kyiv",
        "summary": (
            "Ukrainian police warned rescue teams working through devastated"
            " parts of the Kyiv area that dead bodies might be rigged with"
            " explosives. The article implies the traps were left by"
            " withdrawing Russian forces but names no place, unit or casualty."
            " At this stage it is a warning, not a documented incident."
        ),
        "incident_start": "2022-02-24",
        "incident_end": "2022-03-31",
        "date_precision": "approximate",
        "status": "reported",
        "sensitivity": "open",
        "places": ["kyiv", "kyiv-oblast"],
        "categories": ["8(2)(b)(xi)", "8(2)(b)(xxi)", "8(2)(b)(i)"],
        "perpetrators": ["russian-armed-forces"],
        "sources": [
            {
                "source": "ua-national-police",
                "reliability": "B",
                "credibility": "3",
                "statement": (
                    "Warned searchers in ruined areas of the capital region"
                    " that corpses might be booby-trapped. Graded B/3: a state"
                    " body of a party to the conflict; the warning is"
                    " precautionary and cites no specific device found."
                ),
                "reported_on": ARTICLE_DATE,
            },
            {
                "source": "news-article",
                "reliability": "C",
                "credibility": "3",
                "statement": "Reports the police warning to rescuers around Kyiv.",
                "reported_on": ARTICLE_DATE,
            },
        ],
        "victims": [],
        "evidence": [
            {
                "kind": "document",
                "title": "Police warning to rescuers about rigged corpses",
                "description": (
                    "The National Police warning as relayed by the article;"
                    " the original notice (date, wording, channel) is still to"
                    " be traced."
                ),
                "held_by": "National Police of Ukraine",
                "captured_at": None,
                "captured_by": "National Police of Ukraine",
            },
        ],
    },
    {
        "reference": "UA-2022-0006",
        "title": "Russian troops disturbed contaminated ground in the Chornobyl zone",
        "summary": (
            "Yaroslav Yemelianenko, quoted as being from Ukraine's"
            " exclusion-zone agency, says Russian forces occupying the Chornobyl"
            " zone disturbed radioactive sites, ignoring the rules for the area;"
            " the article adds that some soldiers leaving the zone were admitted"
            " to a clinic in the Belarusian city of Gomel with acute radiation"
            " sickness. Neither claim is confirmed, and the environmental-damage"
            " qualification is tentative."
        ),
        "incident_start": "2022-02-24",
        "incident_end": "2022-03-31",
        "date_precision": "approximate",
        "status": "reported",
        "sensitivity": "open",
        "places": ["chornobyl-exclusion-zone", "gomel"],
        "categories": ["8(2)(b)(iv)"],
        "perpetrators": ["russian-armed-forces"],
        "sources": [
            {
                "source": "ua-exclusion-zone-agency",
                "reliability": "B",
                "credibility": "3",
                "statement": (
                    "Yaroslav Yemelianenko says Russian soldiers disturbed"
                    " irradiated sites and stresses that radiation harms anyone,"
                    " whatever their rank. Graded B/3: a specialist Ukrainian"
                    " state body, but a party to the conflict, and the extent"
                    " of any contamination is not yet measured."
                ),
                "reported_on": ARTICLE_DATE,
            },
            {
                "source": "news-article",
                "reliability": "C",
                "credibility": "4",
                "statement": (
                    "Says some Russian soldiers pulling out of the zone are"
                    " being treated for acute radiation sickness in Gomel,"
                    " Belarus. Unattributed and unconfirmed; graded doubtful (4)"
                    " pending medical or dosimetric evidence."
                ),
                "reported_on": ARTICLE_DATE,
            },
        ],
        "victims": [],
        "evidence": [
            {
                "kind": "testimony",
                "title": "Statement by Yaroslav Yemelianenko on disturbed radioactive sites",
                "description": (
                    "Public remarks attributed to Yemelianenko of the"
                    " exclusion-zone agency, as quoted in the article. The"
                    " original statement is still to be traced."
                ),
                "held_by": "State Agency of Ukraine on Exclusion Zone Management",
                "captured_at": None,
                "captured_by": "Unknown",
            },
        ],
    },
    {
        "reference": "UA-2022-0007",
        "title": "Air strikes on Kyiv and Chernihiv after the announced scale-down",
        "summary": (
            "After Moscow said it would cut back military activity around Kyiv"
            " and Chernihiv, both cities were hit by further air attacks over"
            " 30-31 March 2022, the article reports. NATO's Secretary General"
            " says Russian units are repositioning rather than leaving and are"
            " keeping Kyiv and other cities under pressure. Targets and"
            " casualties are not given; whether civilians or civilian objects"
            " were hit is still to be established."
        ),
        "incident_start": "2022-03-30",
        "incident_end": "2022-03-31",
        "date_precision": "day",
        "status": "reported",
        "sensitivity": "open",
        "places": ["kyiv", "chernihiv"],
        "categories": ["8(2)(b)(i)", "8(2)(b)(ii)"],
        "perpetrators": ["russian-aerospace-forces", "russian-armed-forces"],
        "sources": [
            {
                "source": "news-article",
                "reliability": "C",
                "credibility": "3",
                "statement": (
                    "Reports more air attacks on both Kyiv and Chernihiv within"
                    " the 24 hours before publication, despite talk of a"
                    " Russian pull-back."
                ),
                "reported_on": ARTICLE_DATE,
            },
            {
                "source": "nato-secretary-general",
                "reliability": "B",
                "credibility": "3",
                "statement": (
                    "Citing allied intelligence, says Russia has repeatedly"
                    " misrepresented its intentions, that its forces are"
                    " regrouping for a Donbas offensive, and that it still"
                    " bears down on the capital and other cities. Graded B/3: an alliance"
                    " backing Ukraine, drawing on intelligence it does not"
                    " publish; it does not describe particular strikes."
                ),
                "reported_on": ARTICLE_DATE,
            },
            {
                "source": "uk-chief-of-defence-staff",
                "reliability": "B",
                "credibility": "3",
                "statement": (
                    "Context only: judges that Russia's plan to take all of"
                    " Ukraine has failed and that pulling back exposes its"
                    " troops to counter-attack. Says nothing about the"
                    " strikes themselves."
                ),
                "reported_on": ARTICLE_DATE,
            },
        ],
        "victims": [],
        "evidence": [
            {
                "kind": "webpage",
                "title": "Press report of renewed air attacks on Kyiv and Chernihiv",
                "description": (
                    "The 31 March 2022 article reporting the attacks over the"
                    " preceding day. Local reports of specific strikes are yet"
                    " to be collected."
                ),
                "held_by": "The publisher of the seed article",
                "captured_at": None,
                "captured_by": "Ukraine desk",
            },
            {
                "kind": "video",
                "title": "NATO Secretary General's remarks on Russian repositioning",
                "description": (
                    "Public remarks by Jens Stoltenberg (given as \"Jan\" in the"
                    " article) on Russian forces regrouping instead of"
                    " withdrawing. Recording held by NATO; not archived by us."
                ),
                "held_by": "NATO",
                "captured_at": None,
                "captured_by": "NATO",
            },
        ],
    },
]
