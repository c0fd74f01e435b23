"""Chinese government identifiers: validation and normalisation.

Pure functions with no I/O, shared by the demo generator, standardisation,
personal-data recognizers and tokenisation so that all of them agree on what a
valid identifier is and what its canonical spelling is.
"""
