"""StreamField blocks shared by every page type."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageBlock


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("标题"), max_length=100)
    level = blocks.ChoiceBlock(
        label=_("级别"), choices=[("h2", _("二级标题")), ("h3", _("三级标题"))], default="h2"
    )

    class Meta:
        icon = "title"
        label = _("小标题")
        template = "blocks/heading_block.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("引文"))
    attribution = blocks.CharBlock(label=_("出处"), required=False, max_length=100)

    class Meta:
        icon = "openquote"
        label = _("引用")
        template = "blocks/quote_block.html"


class CallToActionBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("标题"), max_length=100)
    text = blocks.TextBlock(label=_("说明"), required=False)
    page = blocks.PageChooserBlock(label=_("链接到页面"), required=False)
    url = blocks.URLBlock(label=_("或外部链接"), required=False)
    button_text = blocks.CharBlock(label=_("按钮文字"), max_length=30, default="了解详情")

    class Meta:
        icon = "link"
        label = _("行动号召")
        template = "blocks/call_to_action_block.html"


class StatBlock(blocks.StructBlock):
    value = blocks.CharBlock(label=_("数字"), max_length=20)
    label = blocks.CharBlock(label=_("说明"), max_length=40)

    class Meta:
        icon = "table"
        label = _("数字")


class BaseStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        label=_("段落"),
        icon="pilcrow",
        features=["bold", "italic", "link", "ol", "ul", "h3"],
        template="blocks/paragraph_block.html",
    )
    image = ImageBlock(label=_("图片"), template="blocks/image_block.html")
    quote = QuoteBlock()
    call_to_action = CallToActionBlock()
