"""The crimes of the ICC's Elements of Crimes, written out by hand from the
published text (ICC, Elements of Crimes, 2013 edition, with the amendments
adopted in 2017 and 2019), to check catalogue/rome_statute.py against.

Keep this list independent of the module: do not generate it from there.
Codes as the ICC prints them, compacted ("Article 8 (2) (b) (xxii)-1" ->
"8(2)(b)(xxii)-1", "Article 8 bis" -> "8bis"); titles as printed.
"""

ELEMENTS: dict[str, str] = {
    # Article 6
    "6(a)": "Genocide by killing",
    "6(b)": "Genocide by causing serious bodily or mental harm",
    "6(c)": "Genocide by deliberately inflicting conditions of life calculated to bring about physical destruction",
    "6(d)": "Genocide by imposing measures intended to prevent births",
    "6(e)": "Genocide by forcibly transferring children",
    # Article 7
    "7(1)(a)": "Crime against humanity of murder",
    "7(1)(b)": "Crime against humanity of extermination",
    "7(1)(c)": "Crime against humanity of enslavement",
    "7(1)(d)": "Crime against humanity of deportation or forcible transfer of population",
    "7(1)(e)": "Crime against humanity of imprisonment or other severe deprivation of physical liberty",
    "7(1)(f)": "Crime against humanity of torture",
    "7(1)(g)-1": "Crime against humanity of rape",
    "7(1)(g)-2": "Crime against humanity of sexual slavery",
    "7(1)(g)-3": "Crime against humanity of enforced prostitution",
    "7(1)(g)-4": "Crime against humanity of forced pregnancy",
    "7(1)(g)-5": "Crime against humanity of enforced sterilization",
    "7(1)(g)-6": "Crime against humanity of sexual violence",
    "7(1)(h)": "Crime against humanity of persecution",
    "7(1)(i)": "Crime against humanity of enforced disappearance of persons",
    "7(1)(j)": "Crime against humanity of apartheid",
    "7(1)(k)": "Crime against humanity of other inhumane acts",
    # Article 8 (2) (a)
    "8(2)(a)(i)": "War crime of wilful killing",
    "8(2)(a)(ii)-1": "War crime of torture",
    "8(2)(a)(ii)-2": "War crime of inhuman treatment",
    "8(2)(a)(ii)-3": "War crime of biological experiments",
    "8(2)(a)(iii)": "War crime of wilfully causing great suffering",
    "8(2)(a)(iv)": "War crime of destruction and appropriation of property",
    "8(2)(a)(v)": "War crime of compelling service in hostile forces",
    "8(2)(a)(vi)": "War crime of denying a fair trial",
    "8(2)(a)(vii)-1": "War crime of unlawful deportation and transfer",
    "8(2)(a)(vii)-2": "War crime of unlawful confinement",
    "8(2)(a)(viii)": "War crime of taking hostages",
    # Article 8 (2) (b)
    "8(2)(b)(i)": "War crime of attacking civilians",
    "8(2)(b)(ii)": "War crime of attacking civilian objects",
    "8(2)(b)(iii)": "War crime of attacking personnel or objects involved in a humanitarian assistance or peacekeeping mission",
    "8(2)(b)(iv)": "War crime of excessive incidental death, injury, or damage",
    "8(2)(b)(v)": "War crime of attacking undefended places",
    "8(2)(b)(vi)": "War crime of killing or wounding a person hors de combat",
    "8(2)(b)(vii)-1": "War crime of improper use of a flag of truce",
    "8(2)(b)(vii)-2": "War crime of improper use of a flag, insignia or uniform of the hostile party",
    "8(2)(b)(vii)-3": "War crime of improper use of a flag, insignia or uniform of the United Nations",
    "8(2)(b)(vii)-4": "War crime of improper use of the distinctive emblems of the Geneva Conventions",
    "8(2)(b)(viii)": (
        "War crime of the transfer, directly or indirectly, by an Occupying Power of parts of its own civilian"
        " population into the territory it occupies, or the deportation or transfer of all or parts of the"
        " population of the occupied territory within or outside this territory"
    ),
    "8(2)(b)(ix)": "War crime of attacking protected objects",
    "8(2)(b)(x)-1": "War crime of mutilation",
    "8(2)(b)(x)-2": "War crime of medical or scientific experiments",
    "8(2)(b)(xi)": "War crime of treacherously killing or wounding",
    "8(2)(b)(xii)": "War crime of denying quarter",
    "8(2)(b)(xiii)": "War crime of destroying or seizing the enemy's property",
    "8(2)(b)(xiv)": "War crime of depriving the nationals of the hostile power of rights or actions",
    "8(2)(b)(xv)": "War crime of compelling participation in military operations",
    "8(2)(b)(xvi)": "War crime of pillaging",
    "8(2)(b)(xvii)": "War crime of employing poison or poisoned weapons",
    "8(2)(b)(xviii)": "War crime of employing prohibited gases, liquids, materials or devices",
    "8(2)(b)(xix)": "War crime of employing prohibited bullets",
    "8(2)(b)(xxi)": "War crime of outrages upon personal dignity",
    "8(2)(b)(xxii)-1": "War crime of rape",
    "8(2)(b)(xxii)-2": "War crime of sexual slavery",
    "8(2)(b)(xxii)-3": "War crime of enforced prostitution",
    "8(2)(b)(xxii)-4": "War crime of forced pregnancy",
    "8(2)(b)(xxii)-5": "War crime of enforced sterilization",
    "8(2)(b)(xxii)-6": "War crime of sexual violence",
    "8(2)(b)(xxiii)": "War crime of using protected persons as shields",
    "8(2)(b)(xxiv)": "War crime of attacking objects or persons using the distinctive emblems of the Geneva Conventions",
    "8(2)(b)(xxv)": "War crime of starvation as a method of warfare",
    "8(2)(b)(xxvi)": "War crime of using, conscripting or enlisting children",
    # 2017 amendment
    "8(2)(b)(xxvii)": "War crime of employing weapons which use microbial or other biological agents, or toxins",
    "8(2)(b)(xxviii)": "War crime of employing weapons the primary effect of which is to injure by fragments undetectable by X-rays",
    "8(2)(b)(xxix)": "War crime of employing laser blinding weapons",
    # Article 8 (2) (c)
    "8(2)(c)(i)-1": "War crime of murder",
    "8(2)(c)(i)-2": "War crime of mutilation",
    "8(2)(c)(i)-3": "War crime of cruel treatment",
    "8(2)(c)(i)-4": "War crime of torture",
    "8(2)(c)(ii)": "War crime of outrages upon personal dignity",
    "8(2)(c)(iii)": "War crime of taking hostages",
    "8(2)(c)(iv)": "War crime of sentencing or execution without due process",
    # Article 8 (2) (e)
    "8(2)(e)(i)": "War crime of attacking civilians",
    "8(2)(e)(ii)": "War crime of attacking objects or persons using the distinctive emblems of the Geneva Conventions",
    "8(2)(e)(iii)": "War crime of attacking personnel or objects involved in a humanitarian assistance or peacekeeping mission",
    "8(2)(e)(iv)": "War crime of attacking protected objects",
    "8(2)(e)(v)": "War crime of pillaging",
    "8(2)(e)(vi)-1": "War crime of rape",
    "8(2)(e)(vi)-2": "War crime of sexual slavery",
    "8(2)(e)(vi)-3": "War crime of enforced prostitution",
    "8(2)(e)(vi)-4": "War crime of forced pregnancy",
    "8(2)(e)(vi)-5": "War crime of enforced sterilization",
    "8(2)(e)(vi)-6": "War crime of sexual violence",
    "8(2)(e)(vii)": "War crime of using, conscripting and enlisting children",
    "8(2)(e)(viii)": "War crime of displacing civilians",
    "8(2)(e)(ix)": "War crime of treacherously killing or wounding",
    "8(2)(e)(x)": "War crime of denying quarter",
    "8(2)(e)(xi)-1": "War crime of mutilation",
    "8(2)(e)(xi)-2": "War crime of medical or scientific experiments",
    "8(2)(e)(xii)": "War crime of destroying or seizing the enemy's property",
    # Kampala 2010
    "8(2)(e)(xiii)": "War crime of employing poison or poisoned weapons",
    "8(2)(e)(xiv)": "War crime of employing prohibited gases, liquids, materials or devices",
    "8(2)(e)(xv)": "War crime of employing prohibited bullets",
    # 2017 amendment
    "8(2)(e)(xvi)": "War crime of employing weapons which use microbial or other biological agents, or toxins",
    "8(2)(e)(xvii)": "War crime of employing weapons the primary effect of which is to injure by fragments undetectable by X-rays",
    "8(2)(e)(xviii)": "War crime of employing laser blinding weapons",
    # 2019 amendment
    "8(2)(e)(xix)": "War crime of starvation as a method of warfare",
    # Article 8 bis (Kampala 2010)
    "8bis": "Crime of aggression",
}

# In the Statute, but the Elements give none: the annex of weapons it needs was never adopted.
WITHOUT_ELEMENTS: dict[str, str] = {
    "8(2)(b)(xx)": (
        "War crime of employing weapons, projectiles or materials or methods of warfare listed in the Annex to"
        " the Statute"
    ),
}

# Provisions the Elements split into several crimes: what each became.
SPLIT: dict[str, list[str]] = {
    "7(1)(g)": ["7(1)(g)-1", "7(1)(g)-2", "7(1)(g)-3", "7(1)(g)-4", "7(1)(g)-5", "7(1)(g)-6"],
    "8(2)(a)(ii)": ["8(2)(a)(ii)-1", "8(2)(a)(ii)-2", "8(2)(a)(ii)-3"],
    "8(2)(a)(vii)": ["8(2)(a)(vii)-1", "8(2)(a)(vii)-2"],
    "8(2)(b)(vii)": ["8(2)(b)(vii)-1", "8(2)(b)(vii)-2", "8(2)(b)(vii)-3", "8(2)(b)(vii)-4"],
    "8(2)(b)(x)": ["8(2)(b)(x)-1", "8(2)(b)(x)-2"],
    "8(2)(b)(xxii)": [
        "8(2)(b)(xxii)-1", "8(2)(b)(xxii)-2", "8(2)(b)(xxii)-3", "8(2)(b)(xxii)-4", "8(2)(b)(xxii)-5",
        "8(2)(b)(xxii)-6",
    ],
    "8(2)(c)(i)": ["8(2)(c)(i)-1", "8(2)(c)(i)-2", "8(2)(c)(i)-3", "8(2)(c)(i)-4"],
    "8(2)(e)(vi)": [
        "8(2)(e)(vi)-1", "8(2)(e)(vi)-2", "8(2)(e)(vi)-3", "8(2)(e)(vi)-4", "8(2)(e)(vi)-5", "8(2)(e)(vi)-6",
    ],
    "8(2)(e)(xi)": ["8(2)(e)(xi)-1", "8(2)(e)(xi)-2"],
}

# The articles and paragraphs the crimes sit in.
ARTICLES = ["6", "7", "8", "8(2)(a)", "8(2)(b)", "8(2)(c)", "8(2)(e)"]

# The 69 codes cases were qualified with before the split (catalogue/rome_statute.py until 0008).
BEFORE_0008 = (
    [f"6({x})" for x in "abcde"]
    + [f"7(1)({x})" for x in "abcdefghijk"]
    + [f"8(2)(a)({r})" for r in ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii"]]
    + [f"8(2)(b)({r})" for r in [
        "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv", "xvi",
        "xvii", "xviii", "xix", "xx", "xxi", "xxii", "xxiii", "xxiv", "xxv", "xxvi"]]
    + [f"8(2)(c)({r})" for r in ["i", "ii", "iii", "iv"]]
    + [f"8(2)(e)({r})" for r in [
        "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv"]]
)
