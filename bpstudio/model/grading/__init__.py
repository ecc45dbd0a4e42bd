"""Checking hand-worked numbers (spec grading.md): answers files, the local rules of a pass,
the catalogue of slips, and the grader. No Qt.

answers.py   the answers file (values kept as written text) and AnswersError
structure.py the network's roles, edges and chain-rule paths, for checking ids and via
rules.py     each quantity's local rule, the engine's exact values, the computation order
mistakes.py  one corrupted copy of a rule per slip of the catalogue
grader.py    verdicts right / follows / wrong, the first wrong value, the JSON document
"""
