"""The pure domain of Otklik: the regulation's rules, with no AWS and no clock of its own."""
