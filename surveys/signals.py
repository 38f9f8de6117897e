from django.dispatch import receiver
from wagtail.signals import page_published

from surveys.models import SurveyPage
from surveys.services import survey_announce


@receiver(page_published, sender=SurveyPage)
def _survey_published(sender, instance, **kwargs):
    survey_announce(survey=instance)
