from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import page_published

from portal.page_cache import bump_now_and_after_commit
from surveys.models import SurveyPage, SurveyQuestion
from surveys.selectors import survey_definition_key
from surveys.services import survey_announce


@receiver(page_published, sender=SurveyPage)
def _survey_published(sender, instance, **kwargs):
    survey_announce(survey=instance)


@receiver(post_save, sender=SurveyQuestion)
@receiver(post_delete, sender=SurveyQuestion)
def _survey_question_changed(sender, instance, **kwargs):
    """The survey's kept definition (surveys.selectors.live_survey) is stale. Saving or
    publishing its page bumps the page cache's "site" tag as well, but a page's questions
    are saved after the page itself."""
    if instance.page_id is not None:
        bump_now_and_after_commit([survey_definition_key(instance.page_id)])
