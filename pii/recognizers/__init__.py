"""Our recognizers, one class per file; ``pii/recognizers.yaml`` says which are on."""

from pii.recognizers.cn_mobile_recognizer import CnMobileRecognizer
from pii.recognizers.cn_resident_id_recognizer import CnResidentIdRecognizer

__all__ = ["CnMobileRecognizer", "CnResidentIdRecognizer"]
