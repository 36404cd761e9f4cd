"""The terms stage: music terms found in a transcript, with times and quality figures."""
