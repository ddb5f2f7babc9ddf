"""Django admin phrases our catalogue translates again, so that `make messages` keeps them in locale/.

Django's Ukrainian admin puts a model's name into a sentence in the nominative ("Додати справа"), which is
wrong for our feminine names (справа, команда, особа під захистом). Our catalogue (LOCALE_PATHS) comes before
Django's own, so these phrasings win: the name stands after a colon, where the nominative is right. The
Russian entries repeat Django's (neuter and masculine names read correctly there). Nothing imports this
module; gettext_noop only marks the text for extraction.
"""

from django.utils.translation import gettext_noop

ADMIN_PHRASES = [
    gettext_noop("Add %s"),
    gettext_noop("Add %(name)s"),
    gettext_noop("Change %s"),
    gettext_noop("View %s"),
    gettext_noop("Select %s to change"),
    gettext_noop("Select %s to view"),
]
