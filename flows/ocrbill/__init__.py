"""ocrbill: usage metering and billing for an OCR API."""

__version__ = "0.1.0"
