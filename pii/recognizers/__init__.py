"""Our recognizers, one class per file; ``pii/recognizers.yaml`` says which are on."""

from pii.recognizers.bank_card_recognizer import BankCardRecognizer
from pii.recognizers.cn_address_recognizer import CnAddressRecognizer
from pii.recognizers.cn_landline_recognizer import CnLandlineRecognizer
from pii.recognizers.cn_license_plate_recognizer import CnLicensePlateRecognizer
from pii.recognizers.cn_mobile_recognizer import CnMobileRecognizer
from pii.recognizers.cn_passport_recognizer import CnPassportRecognizer
from pii.recognizers.cn_person_recognizer import CnPersonRecognizer
from pii.recognizers.cn_resident_id_recognizer import CnResidentIdRecognizer
from pii.recognizers.cn_uscc_recognizer import CnUsccRecognizer
from pii.recognizers.email_recognizer import EmailRecognizer

__all__ = [
    "BankCardRecognizer",
    "CnAddressRecognizer",
    "CnLandlineRecognizer",
    "CnLicensePlateRecognizer",
    "CnMobileRecognizer",
    "CnPassportRecognizer",
    "CnPersonRecognizer",
    "CnResidentIdRecognizer",
    "CnUsccRecognizer",
    "EmailRecognizer",
]
