"""Rome Statute crime taxonomy used as the legal qualification of cases.

Plain data, no Django imports: the ``CrimeCategory`` data migration and the
seed loader both read from here.

``CATEGORIES`` lists ``(code, group, short_name)`` in statute order:

* Article 6 (a)-(e)                  genocide
* Article 7(1) (a)-(k)               crimes against humanity
* Article 8(2)(a) (i)-(viii)         grave breaches of the Geneva Conventions
* Article 8(2)(b) (i)-(xxvi)         other serious violations, international
                                     armed conflict (as adopted in 1998)
* Article 8(2)(c) (i)-(iv)           serious violations of common Article 3
* Article 8(2)(e) (i)-(xii)          other serious violations, non-international
                                     armed conflict (as adopted in 1998), plus
                                     (xiii)-(xv) added at Kampala in 2010

Not included: Article 8 bis (aggression); the 2017 amendments
8(2)(b)(xxvii)-(xxix) and 8(2)(e)(xvi)-(xviii); the 2019 amendment
8(2)(e)(xix).

The short names are summaries for listing and searching, not the statutory
wording: legal teams must read the text of the Statute and the Elements of
Crimes.
"""

GENOCIDE = "genocide"
CRIMES_AGAINST_HUMANITY = "crimes_against_humanity"
WAR_CRIMES_GRAVE_BREACHES = "war_crimes_grave_breaches"
WAR_CRIMES_INTERNATIONAL = "war_crimes_international"
WAR_CRIMES_COMMON_ARTICLE_3 = "war_crimes_common_article_3"
WAR_CRIMES_NON_INTERNATIONAL = "war_crimes_non_international"

GROUP_LABELS: dict[str, str] = {
    GENOCIDE: "Genocide (Art. 6)",
    CRIMES_AGAINST_HUMANITY: "Crimes against humanity (Art. 7(1))",
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
}

_G = GENOCIDE
_H = CRIMES_AGAINST_HUMANITY
_A = WAR_CRIMES_GRAVE_BREACHES
_B = WAR_CRIMES_INTERNATIONAL
_C = WAR_CRIMES_COMMON_ARTICLE_3
_E = WAR_CRIMES_NON_INTERNATIONAL

CATEGORIES: tuple[tuple[str, str, str], ...] = (
    # Article 6: genocide
    ("6(a)", _G, "Killing members of a protected group"),
    ("6(b)", _G, "Causing serious bodily or mental harm to members of the group"),
    ("6(c)", _G, "Inflicting conditions of life meant to destroy the group physically"),
    ("6(d)", _G, "Imposing measures intended to prevent births within the group"),
    ("6(e)", _G, "Forcibly transferring the group's children to another group"),
    # Article 7(1): crimes against humanity
    ("7(1)(a)", _H, "Murder"),
    ("7(1)(b)", _H, "Extermination"),
    ("7(1)(c)", _H, "Enslavement"),
    ("7(1)(d)", _H, "Deportation or forcible transfer of population"),
    ("7(1)(e)", _H, "Imprisonment or other severe deprivation of physical liberty"),
    ("7(1)(f)", _H, "Torture"),
    ("7(1)(g)", _H, "Rape and sexual violence (incl. sexual slavery, forced pregnancy)"),
    ("7(1)(h)", _H, "Persecution of an identifiable group or collectivity"),
    ("7(1)(i)", _H, "Enforced disappearance of persons"),
    ("7(1)(j)", _H, "The crime of apartheid"),
    ("7(1)(k)", _H, "Other inhumane acts causing great suffering or serious injury"),
    # Article 8(2)(a): grave breaches of the Geneva Conventions
    ("8(2)(a)(i)", _A, "Wilful killing"),
    ("8(2)(a)(ii)", _A, "Torture or inhuman treatment, incl. biological experiments"),
    ("8(2)(a)(iii)", _A, "Wilfully causing great suffering or serious injury"),
    ("8(2)(a)(iv)", _A, "Extensive destruction or appropriation of property without military necessity"),
    ("8(2)(a)(v)", _A, "Compelling a prisoner of war or protected person to serve a hostile power"),
    ("8(2)(a)(vi)", _A, "Wilfully denying a prisoner of war or protected person a fair trial"),
    ("8(2)(a)(vii)", _A, "Unlawful deportation, transfer or confinement"),
    ("8(2)(a)(viii)", _A, "Taking of hostages"),
    # Article 8(2)(b): other serious violations, international armed conflict
    ("8(2)(b)(i)", _B, "Intentionally attacking civilians"),
    ("8(2)(b)(ii)", _B, "Intentionally attacking civilian objects"),
    ("8(2)(b)(iii)", _B, "Attacking humanitarian assistance or peacekeeping missions"),
    ("8(2)(b)(iv)", _B, "Disproportionate attack: excessive civilian harm or severe environmental damage"),
    ("8(2)(b)(v)", _B, "Attacking or bombarding undefended places that are not military objectives"),
    ("8(2)(b)(vi)", _B, "Killing or wounding a combatant who has surrendered (hors de combat)"),
    ("8(2)(b)(vii)", _B, "Improper use of flags, insignia, uniforms or emblems causing death or injury"),
    ("8(2)(b)(viii)", _B, "Moving own civilians into occupied territory; deporting or transferring its population"),
    ("8(2)(b)(ix)", _B, "Attacking religious, educational, cultural or charitable buildings, monuments, hospitals"),
    ("8(2)(b)(x)", _B, "Physical mutilation or medical or scientific experiments"),
    ("8(2)(b)(xi)", _B, "Treacherous killing or wounding (perfidy)"),
    ("8(2)(b)(xii)", _B, "Declaring that no quarter will be given"),
    ("8(2)(b)(xiii)", _B, "Destroying or seizing enemy property without military necessity"),
    ("8(2)(b)(xiv)", _B, "Abolishing or suspending the legal rights of nationals of the hostile party"),
    ("8(2)(b)(xv)", _B, "Compelling nationals of the hostile party to fight against their own country"),
    ("8(2)(b)(xvi)", _B, "Pillaging"),
    ("8(2)(b)(xvii)", _B, "Employing poison or poisoned weapons"),
    ("8(2)(b)(xviii)", _B, "Employing asphyxiating, poisonous or other gases"),
    ("8(2)(b)(xix)", _B, "Employing expanding or flattening bullets"),
    ("8(2)(b)(xx)", _B, "Weapons or methods causing superfluous injury or inherently indiscriminate"),
    ("8(2)(b)(xxi)", _B, "Outrages upon personal dignity (humiliating and degrading treatment)"),
    ("8(2)(b)(xxii)", _B, "Rape and sexual violence (incl. sexual slavery, forced pregnancy)"),
    ("8(2)(b)(xxiii)", _B, "Using civilians or protected persons as human shields"),
    ("8(2)(b)(xxiv)", _B, "Attacking medical units, transport or personnel using the Geneva emblems"),
    ("8(2)(b)(xxv)", _B, "Starvation of civilians as a method of warfare"),
    ("8(2)(b)(xxvi)", _B, "Conscripting, enlisting or using children under 15 in national armed forces"),
    # Article 8(2)(c): serious violations of common Article 3
    ("8(2)(c)(i)", _C, "Violence to life and person: murder, mutilation, cruel treatment, torture"),
    ("8(2)(c)(ii)", _C, "Outrages upon personal dignity (humiliating and degrading treatment)"),
    ("8(2)(c)(iii)", _C, "Taking of hostages"),
    ("8(2)(c)(iv)", _C, "Sentences or executions without judgment of a regularly constituted court"),
    # Article 8(2)(e): other serious violations, non-international armed conflict
    ("8(2)(e)(i)", _E, "Intentionally attacking civilians"),
    ("8(2)(e)(ii)", _E, "Attacking medical units, transport or personnel using the Geneva emblems"),
    ("8(2)(e)(iii)", _E, "Attacking humanitarian assistance or peacekeeping missions"),
    ("8(2)(e)(iv)", _E, "Attacking religious, educational, cultural or charitable buildings, monuments, hospitals"),
    ("8(2)(e)(v)", _E, "Pillaging"),
    ("8(2)(e)(vi)", _E, "Rape and sexual violence (incl. sexual slavery, forced pregnancy)"),
    ("8(2)(e)(vii)", _E, "Conscripting, enlisting or using children under 15 in armed forces or groups"),
    ("8(2)(e)(viii)", _E, "Ordering displacement of the civilian population"),
    ("8(2)(e)(ix)", _E, "Treacherous killing or wounding of a combatant adversary (perfidy)"),
    ("8(2)(e)(x)", _E, "Declaring that no quarter will be given"),
    ("8(2)(e)(xi)", _E, "Physical mutilation or medical or scientific experiments"),
    ("8(2)(e)(xii)", _E, "Destroying or seizing the adversary's property without military necessity"),
    ("8(2)(e)(xiii)", _E, "Employing poison or poisoned weapons (Kampala 2010)"),
    ("8(2)(e)(xiv)", _E, "Employing asphyxiating, poisonous or other gases (Kampala 2010)"),
    ("8(2)(e)(xv)", _E, "Employing expanding or flattening bullets (Kampala 2010)"),
)

# code -> (group, short_name), for look-ups by the loader and the checks.
BY_CODE: dict[str, tuple[str, str]] = {
    code: (group, short_name) for code, group, short_name in CATEGORIES
}
