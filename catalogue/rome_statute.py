"""The ICC's Elements of Crimes as the legal qualification of cases.

Plain data, no Django imports: the ``CrimeCategory`` data migrations read
from here (0002 loads it, 0008 brought older databases up to it).

``CATEGORIES`` lists ``(code, group, name)`` in the order of the Elements:
every crime the Elements define under its own code and title (the folded
sub-items as ``7(1)(g)-1`` … ``7(1)(g)-6``), the amendments adopted at
Kampala in 2010 (8(2)(e)(xiii)-(xv)), in 2017 (8(2)(b)(xxvii)-(xxix),
8(2)(e)(xvi)-(xviii)) and in 2019 (8(2)(e)(xix)), and aggression (``8bis``).
Rows for the articles (``6``, ``7``, ``8``, ``8(2)(a)`` …) and for the
provisions the Elements split (``7(1)(g)``, ``8(2)(b)(xxii)`` …) are groups:
a case is qualified with the crimes inside them, and a filter on a group
finds its crimes. ``8(2)(b)(xx)`` has no elements (the annex of weapons it
refers to was never adopted) and cannot be chosen either.

Names are the Elements' titles. Where a title leaves out words the
qualification turns on (the environment in 8(2)(b)(iv), "serious personal
injury" in 8(2)(b)(vii)), they are added from the Statute after a comma.
Legal teams must still read the Statute and the Elements themselves.
"""

GENOCIDE = "genocide"
CRIMES_AGAINST_HUMANITY = "crimes_against_humanity"
WAR_CRIMES = "war_crimes"
WAR_CRIMES_GRAVE_BREACHES = "war_crimes_grave_breaches"
WAR_CRIMES_INTERNATIONAL = "war_crimes_international"
WAR_CRIMES_COMMON_ARTICLE_3 = "war_crimes_common_article_3"
WAR_CRIMES_NON_INTERNATIONAL = "war_crimes_non_international"
AGGRESSION = "aggression"

GROUP_LABELS: dict[str, str] = {
    GENOCIDE: "Genocide (Art. 6)",
    CRIMES_AGAINST_HUMANITY: "Crimes against humanity (Art. 7(1))",
    WAR_CRIMES: "War crimes (Art. 8)",
    WAR_CRIMES_GRAVE_BREACHES: (
        "War crimes: grave breaches of the Geneva Conventions (Art. 8(2)(a))"
    ),
    WAR_CRIMES_INTERNATIONAL: (
        "War crimes: other serious violations in international armed conflict"
        " (Art. 8(2)(b))"
    ),
    WAR_CRIMES_COMMON_ARTICLE_3: (
        "War crimes: serious violations of common Article 3 (Art. 8(2)(c))"
    ),
    WAR_CRIMES_NON_INTERNATIONAL: (
        "War crimes: other serious violations in non-international armed"
        " conflict (Art. 8(2)(e))"
    ),
    AGGRESSION: "Crime of aggression (Art. 8 bis)",
}

_G = GENOCIDE
_H = CRIMES_AGAINST_HUMANITY
_A = WAR_CRIMES_GRAVE_BREACHES
_B = WAR_CRIMES_INTERNATIONAL
_C = WAR_CRIMES_COMMON_ARTICLE_3
_E = WAR_CRIMES_NON_INTERNATIONAL

_SEXUAL_VIOLENCE = (
    "rape, sexual slavery, enforced prostitution, forced pregnancy, enforced"
    " sterilization, or any other form of sexual violence"
)

CATEGORIES: tuple[tuple[str, str, str], ...] = (
    # Article 6: genocide
    ("6", _G, "Genocide"),
    ("6(a)", _G, "Genocide by killing"),
    ("6(b)", _G, "Genocide by causing serious bodily or mental harm"),
    ("6(c)", _G, "Genocide by deliberately inflicting conditions of life calculated to bring about physical destruction"),
    ("6(d)", _G, "Genocide by imposing measures intended to prevent births"),
    ("6(e)", _G, "Genocide by forcibly transferring children"),
    # Article 7: crimes against humanity
    ("7", _H, "Crimes against humanity"),
    ("7(1)(a)", _H, "Crime against humanity of murder"),
    ("7(1)(b)", _H, "Crime against humanity of extermination"),
    ("7(1)(c)", _H, "Crime against humanity of enslavement"),
    ("7(1)(d)", _H, "Crime against humanity of deportation or forcible transfer of population"),
    ("7(1)(e)", _H, "Crime against humanity of imprisonment or other severe deprivation of physical liberty"),
    ("7(1)(f)", _H, "Crime against humanity of torture"),
    ("7(1)(g)", _H, f"Crimes against humanity of {_SEXUAL_VIOLENCE} of comparable gravity"),
    ("7(1)(g)-1", _H, "Crime against humanity of rape"),
    ("7(1)(g)-2", _H, "Crime against humanity of sexual slavery"),
    ("7(1)(g)-3", _H, "Crime against humanity of enforced prostitution"),
    ("7(1)(g)-4", _H, "Crime against humanity of forced pregnancy"),
    ("7(1)(g)-5", _H, "Crime against humanity of enforced sterilization"),
    ("7(1)(g)-6", _H, "Crime against humanity of sexual violence"),
    ("7(1)(h)", _H, "Crime against humanity of persecution"),
    ("7(1)(i)", _H, "Crime against humanity of enforced disappearance of persons"),
    ("7(1)(j)", _H, "Crime against humanity of apartheid"),
    ("7(1)(k)", _H, (
        "Crime against humanity of other inhumane acts, causing great suffering, or serious injury"
        " to body or to mental or physical health"
    )),
    # Article 8: war crimes
    ("8", WAR_CRIMES, "War crimes"),
    # Article 8(2)(a): grave breaches of the Geneva Conventions
    ("8(2)(a)", _A, "Grave breaches of the Geneva Conventions of 12 August 1949"),
    ("8(2)(a)(i)", _A, "War crime of wilful killing"),
    ("8(2)(a)(ii)", _A, "War crimes of torture or inhuman treatment, including biological experiments"),
    ("8(2)(a)(ii)-1", _A, "War crime of torture"),
    ("8(2)(a)(ii)-2", _A, "War crime of inhuman treatment"),
    ("8(2)(a)(ii)-3", _A, "War crime of biological experiments"),
    ("8(2)(a)(iii)", _A, "War crime of wilfully causing great suffering, or serious injury to body or health"),
    ("8(2)(a)(iv)", _A, "War crime of destruction and appropriation of property"),
    ("8(2)(a)(v)", _A, "War crime of compelling service in hostile forces"),
    ("8(2)(a)(vi)", _A, "War crime of denying a fair trial"),
    ("8(2)(a)(vii)", _A, "War crimes of unlawful deportation or transfer or unlawful confinement"),
    ("8(2)(a)(vii)-1", _A, "War crime of unlawful deportation and transfer"),
    ("8(2)(a)(vii)-2", _A, "War crime of unlawful confinement"),
    ("8(2)(a)(viii)", _A, "War crime of taking hostages"),
    # Article 8(2)(b): other serious violations, international armed conflict
    ("8(2)(b)", _B, "Other serious violations of the laws and customs applicable in international armed conflict"),
    ("8(2)(b)(i)", _B, "War crime of attacking civilians"),
    ("8(2)(b)(ii)", _B, "War crime of attacking civilian objects"),
    ("8(2)(b)(iii)", _B, (
        "War crime of attacking personnel or objects involved in a humanitarian assistance or peacekeeping mission"
    )),
    ("8(2)(b)(iv)", _B, (
        "War crime of excessive incidental death, injury, or damage, including widespread, long-term and severe"
        " damage to the natural environment"
    )),
    ("8(2)(b)(v)", _B, "War crime of attacking undefended places"),
    ("8(2)(b)(vi)", _B, "War crime of killing or wounding a person hors de combat"),
    ("8(2)(b)(vii)", _B, (
        "War crimes of improper use of a flag of truce, of the flag or insignia and uniform of the enemy or of the"
        " United Nations, or of the distinctive emblems of the Geneva Conventions"
    )),
    ("8(2)(b)(vii)-1", _B, "War crime of improper use of a flag of truce, resulting in death or serious personal injury"),
    ("8(2)(b)(vii)-2", _B, (
        "War crime of improper use of a flag, insignia or uniform of the hostile party, resulting in death or"
        " serious personal injury"
    )),
    ("8(2)(b)(vii)-3", _B, (
        "War crime of improper use of a flag, insignia or uniform of the United Nations, resulting in death or"
        " serious personal injury"
    )),
    ("8(2)(b)(vii)-4", _B, (
        "War crime of improper use of the distinctive emblems of the Geneva Conventions, resulting in death or"
        " serious personal injury"
    )),
    ("8(2)(b)(viii)", _B, (
        "War crime of the transfer, directly or indirectly, by an Occupying Power of parts of its own civilian"
        " population into the territory it occupies, or the deportation or transfer of all or parts of the"
        " population of the occupied territory within or outside this territory"
    )),
    ("8(2)(b)(ix)", _B, "War crime of attacking protected objects"),
    ("8(2)(b)(x)", _B, "War crimes of physical mutilation or medical or scientific experiments"),
    ("8(2)(b)(x)-1", _B, "War crime of mutilation"),
    ("8(2)(b)(x)-2", _B, "War crime of medical or scientific experiments"),
    ("8(2)(b)(xi)", _B, "War crime of treacherously killing or wounding"),
    ("8(2)(b)(xii)", _B, "War crime of denying quarter"),
    ("8(2)(b)(xiii)", _B, "War crime of destroying or seizing the enemy's property"),
    ("8(2)(b)(xiv)", _B, "War crime of depriving the nationals of the hostile power of rights or actions"),
    ("8(2)(b)(xv)", _B, "War crime of compelling participation in military operations"),
    ("8(2)(b)(xvi)", _B, "War crime of pillaging"),
    ("8(2)(b)(xvii)", _B, "War crime of employing poison or poisoned weapons"),
    ("8(2)(b)(xviii)", _B, "War crime of employing prohibited gases, liquids, materials or devices"),
    ("8(2)(b)(xix)", _B, "War crime of employing prohibited bullets"),
    ("8(2)(b)(xx)", _B, (
        "War crime of employing weapons, projectiles or materials or methods of warfare listed in the Annex to"
        " the Statute"
    )),
    ("8(2)(b)(xxi)", _B, "War crime of outrages upon personal dignity"),
    ("8(2)(b)(xxii)", _B, f"War crimes of {_SEXUAL_VIOLENCE} also constituting a grave breach of the Geneva Conventions"),
    ("8(2)(b)(xxii)-1", _B, "War crime of rape"),
    ("8(2)(b)(xxii)-2", _B, "War crime of sexual slavery"),
    ("8(2)(b)(xxii)-3", _B, "War crime of enforced prostitution"),
    ("8(2)(b)(xxii)-4", _B, "War crime of forced pregnancy"),
    ("8(2)(b)(xxii)-5", _B, "War crime of enforced sterilization"),
    ("8(2)(b)(xxii)-6", _B, "War crime of sexual violence"),
    ("8(2)(b)(xxiii)", _B, "War crime of using protected persons as shields"),
    ("8(2)(b)(xxiv)", _B, "War crime of attacking objects or persons using the distinctive emblems of the Geneva Conventions"),
    ("8(2)(b)(xxv)", _B, "War crime of starvation as a method of warfare"),
    ("8(2)(b)(xxvi)", _B, "War crime of using, conscripting or enlisting children"),
    ("8(2)(b)(xxvii)", _B, "War crime of employing weapons which use microbial or other biological agents, or toxins"),
    ("8(2)(b)(xxviii)", _B, (
        "War crime of employing weapons the primary effect of which is to injure by fragments undetectable by X-rays"
    )),
    ("8(2)(b)(xxix)", _B, "War crime of employing laser blinding weapons"),
    # Article 8(2)(c): serious violations of common Article 3
    ("8(2)(c)", _C, "Serious violations of article 3 common to the four Geneva Conventions"),
    ("8(2)(c)(i)", _C, (
        "War crimes of violence to life and person, in particular murder of all kinds, mutilation, cruel treatment"
        " and torture"
    )),
    ("8(2)(c)(i)-1", _C, "War crime of murder"),
    ("8(2)(c)(i)-2", _C, "War crime of mutilation"),
    ("8(2)(c)(i)-3", _C, "War crime of cruel treatment"),
    ("8(2)(c)(i)-4", _C, "War crime of torture"),
    ("8(2)(c)(ii)", _C, "War crime of outrages upon personal dignity"),
    ("8(2)(c)(iii)", _C, "War crime of taking hostages"),
    ("8(2)(c)(iv)", _C, "War crime of sentencing or execution without due process"),
    # Article 8(2)(e): other serious violations, non-international armed conflict
    ("8(2)(e)", _E, (
        "Other serious violations of the laws and customs applicable in armed conflicts not of an international"
        " character"
    )),
    ("8(2)(e)(i)", _E, "War crime of attacking civilians"),
    ("8(2)(e)(ii)", _E, "War crime of attacking objects or persons using the distinctive emblems of the Geneva Conventions"),
    ("8(2)(e)(iii)", _E, (
        "War crime of attacking personnel or objects involved in a humanitarian assistance or peacekeeping mission"
    )),
    ("8(2)(e)(iv)", _E, "War crime of attacking protected objects"),
    ("8(2)(e)(v)", _E, "War crime of pillaging"),
    ("8(2)(e)(vi)", _E, f"War crimes of {_SEXUAL_VIOLENCE} also constituting a serious violation of common article 3"),
    ("8(2)(e)(vi)-1", _E, "War crime of rape"),
    ("8(2)(e)(vi)-2", _E, "War crime of sexual slavery"),
    ("8(2)(e)(vi)-3", _E, "War crime of enforced prostitution"),
    ("8(2)(e)(vi)-4", _E, "War crime of forced pregnancy"),
    ("8(2)(e)(vi)-5", _E, "War crime of enforced sterilization"),
    ("8(2)(e)(vi)-6", _E, "War crime of sexual violence"),
    ("8(2)(e)(vii)", _E, "War crime of using, conscripting and enlisting children"),
    ("8(2)(e)(viii)", _E, "War crime of displacing civilians"),
    ("8(2)(e)(ix)", _E, "War crime of treacherously killing or wounding"),
    ("8(2)(e)(x)", _E, "War crime of denying quarter"),
    ("8(2)(e)(xi)", _E, "War crimes of physical mutilation or medical or scientific experiments"),
    ("8(2)(e)(xi)-1", _E, "War crime of mutilation"),
    ("8(2)(e)(xi)-2", _E, "War crime of medical or scientific experiments"),
    ("8(2)(e)(xii)", _E, "War crime of destroying or seizing the enemy's property"),
    ("8(2)(e)(xiii)", _E, "War crime of employing poison or poisoned weapons"),
    ("8(2)(e)(xiv)", _E, "War crime of employing prohibited gases, liquids, materials or devices"),
    ("8(2)(e)(xv)", _E, "War crime of employing prohibited bullets"),
    ("8(2)(e)(xvi)", _E, "War crime of employing weapons which use microbial or other biological agents, or toxins"),
    ("8(2)(e)(xvii)", _E, (
        "War crime of employing weapons the primary effect of which is to injure by fragments undetectable by X-rays"
    )),
    ("8(2)(e)(xviii)", _E, "War crime of employing laser blinding weapons"),
    ("8(2)(e)(xix)", _E, "War crime of starvation as a method of warfare"),
    # Article 8 bis: aggression
    ("8bis", AGGRESSION, "Crime of aggression"),
)

_KAMPALA = "Adopted at Kampala in 2010; binds only the States Parties that ratified the amendment."
_2017 = "Adopted in 2017; binds only the States Parties that ratified the amendment."
_2019 = "Adopted in 2019; binds only the States Parties that ratified the amendment."

# Shown with the category (admin, API): what a lawyer must know before using the code.
NOTES: dict[str, str] = {
    "8(2)(b)(xx)": (
        "No elements: the annex of prohibited weapons this crime refers to has never been adopted,"
        " so it cannot be charged and cannot be chosen."
    ),
    "8(2)(e)(xiii)": _KAMPALA,
    "8(2)(e)(xiv)": _KAMPALA,
    "8(2)(e)(xv)": _KAMPALA,
    "8(2)(b)(xxvii)": _2017,
    "8(2)(b)(xxviii)": _2017,
    "8(2)(b)(xxix)": _2017,
    "8(2)(e)(xvi)": _2017,
    "8(2)(e)(xvii)": _2017,
    "8(2)(e)(xviii)": _2017,
    "8(2)(e)(xix)": _2019,
    "8bis": "Kampala 2010, jurisdiction activated from 17 July 2018, for the States Parties that accepted it.",
}

# Crimes without elements: listed so the taxonomy is whole, never chosen.
WITHOUT_ELEMENTS: frozenset[str] = frozenset({"8(2)(b)(xx)"})

# code -> (group, name), for look-ups by the loader and the checks.
BY_CODE: dict[str, tuple[str, str]] = {code: (group, name) for code, group, name in CATEGORIES}


def _parent(code: str) -> str | None:
    """The nearest listed code above: 7(1)(g)-1 -> 7(1)(g); 7(1)(a) -> 7; 8(2)(a) -> 8."""
    if "-" in code:
        return code.rsplit("-", 1)[0]
    while code.endswith(")"):
        code = code[: code.rindex("(")]
        if code in BY_CODE:
            return code
    return None


# code -> the group it belongs to (None at the top: the articles and 8bis).
PARENTS: dict[str, str | None] = {code: _parent(code) for code, _group, _name in CATEGORIES}

GROUP_CODES: frozenset[str] = frozenset(p for p in PARENTS.values() if p is not None)

# What a case can be qualified with: the crimes the Elements define.
SELECTABLE: frozenset[str] = frozenset(BY_CODE) - GROUP_CODES - WITHOUT_ELEMENTS


def _within(code: str) -> tuple[str, ...]:
    found = []
    for candidate in BY_CODE:
        walk: str | None = candidate
        while walk is not None and walk != code:
            walk = PARENTS[walk]
        if walk == code:
            found.append(candidate)
    return tuple(found)


_WITHIN: dict[str, tuple[str, ...]] = {code: _within(code) for code in BY_CODE}


def codes_within(code: str) -> tuple[str, ...]:
    """The code and every code below it, in order (empty for an unknown code)."""
    return _WITHIN.get(code, ())
