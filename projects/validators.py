"""统一社会信用代码 — the 18-character unified social credit code of GB 32100-2015."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The GB 32100 character set: digits and capital letters without I, O, Z, S, V.
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUES = {char: value for value, char in enumerate(CREDIT_CODE_CHARSET)}


def normalize_credit_code(value: str) -> str:
    """Upper case without spaces: people type codes from paper certificates."""
    return "".join(str(value or "").split()).upper()


def credit_code_check_character(first17: str) -> str:
    """The 18th character: 31 minus the weighted sum modulo 31 (31 itself becomes 0)."""
    pairs = zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    total = sum(_VALUES[char] * weight for char, weight in pairs)
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """Raise ValidationError unless `value` is a well-formed GB 32100 code.

    Layout: registration authority (1), organization category (1), administrative division
    (6 digits), organization code (9), check character (1).
    """
    code = normalize_credit_code(value)
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为18位，您输入了 %(n)d 位。") % {"n": len(code)},
            code="length",
        )
    bad = sorted({char for char in code if char not in _VALUES})
    if bad:
        raise ValidationError(
            _("统一社会信用代码不能包含这些字符：%(chars)s（不使用字母 I、O、Z、S、V）。")
            % {"chars": "、".join(bad)},
            code="charset",
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            _("统一社会信用代码第3至8位应为行政区划代码（6位数字）。"), code="division"
        )
    if credit_code_check_character(code[:17]) != code[17]:
        raise ValidationError(
            _("统一社会信用代码的校验位不正确，请对照证书核对。"), code="checksum"
        )
