import pytest
from django.core.exceptions import ValidationError

from projects.validators import (
    credit_code_check_character,
    normalize_credit_code,
    validate_credit_code,
)
from tests.projects.factories import credit_code

# Published codes of real organizations (check characters verified by hand).
VALID_CODES = [
    "91350100M000100Y43",  # a company: letters in the organization code and a letter check
    "91110000802100433B",  # Sinopec: letter check character
    "91440300708461136T",  # letter check character
    "914403001922038216",  # digits only
]


@pytest.mark.parametrize("code", VALID_CODES)
def test_valid_codes_pass(code):
    validate_credit_code(code)


def test_generated_codes_with_letters_pass():
    code = credit_code(31**8 * 30 + 12345)
    assert any(char.isalpha() for char in code[8:17])
    validate_credit_code(code)


def test_registration_authority_letter_y_is_accepted():
    first17 = "Y2370203MA3C12345"
    validate_credit_code(first17 + credit_code_check_character(first17))


def test_lower_case_is_normalised():
    code = VALID_CODES[0]
    assert normalize_credit_code(" " + code.lower() + " ") == code
    validate_credit_code(code.lower())


def test_wrong_check_character_is_rejected():
    code = VALID_CODES[0]
    wrong = "0" if code[-1] != "0" else "1"
    with pytest.raises(ValidationError) as error:
        validate_credit_code(code[:-1] + wrong)
    assert error.value.code == "checksum"
    assert "校验位" in error.value.messages[0]


@pytest.mark.parametrize("code", ["", "9135010", VALID_CODES[0] + "1", VALID_CODES[0][:-1]])
def test_wrong_length_is_rejected(code):
    with pytest.raises(ValidationError) as error:
        validate_credit_code(code)
    assert error.value.code == "length"


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_forbidden_letters_are_rejected(letter):
    code = VALID_CODES[0][:10] + letter + VALID_CODES[0][11:]
    with pytest.raises(ValidationError) as error:
        validate_credit_code(code)
    assert error.value.code == "charset"
    assert letter in error.value.messages[0]


def test_division_code_must_be_digits():
    first17 = "5237A203MA3C12345"
    with pytest.raises(ValidationError) as error:
        validate_credit_code(first17 + credit_code_check_character(first17))
    assert error.value.code == "division"
