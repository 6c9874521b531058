"""Public reference datasets with their expected values (shared/notes/agreement-statistics.md, sec. 2)."""

import numpy as np

nan = np.nan

K2011_C = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
           [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
           [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
           [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]  # fmt: skip
K2011_C_ALPHA = dict(nominal=0.743421, ordinal=0.815388, interval=0.849107, ratio=0.797403)
K2011_C_IRRCAC = dict(fleiss=0.761169, gwet_ac1=0.775444, bp=0.772727, kripp=0.743421, pa=0.818182,
                      ac2_quadratic=0.914001, ac2_linear=0.858739)  # fmt: skip

WIKI_KALPHA = [[nan, nan, nan, nan, nan, 3, 4, 1, 2, 1, 1, 3, 3, nan, 3],
               [1, nan, 2, 1, 3, 3, 4, 3, nan, nan, nan, nan, nan, nan, nan],
               [nan, nan, 2, 1, 3, 4, 4, nan, 2, 1, 1, 3, 3, nan, 4]]  # fmt: skip
WIKI_KALPHA_ALPHA = dict(nominal=0.691358, interval=0.810845, ordinal=0.806721, ratio=0.808944)

K2004_BINARY = [[1, 1, 0, 0, 0, 0, 0, 0, 0, 0], [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]]
K2004_BINARY_EXPECTED = dict(alpha_nominal=0.095238, cohen_kappa=0.090909, scott_pi=0.047619)

K2011_B = [list("aabbdcccedda"), [*list("babbbcccedd"), "d"]]
K2011_B_EXPECTED = dict(alpha_nominal=0.691964, cohen_kappa=0.684211, scott_pi=0.678571)
BEN_GERRY = [list("aabbdcccedda"), ["b", "a", "b", "b", "b", "c", "c", "c", "e", None, "d", "d"]]
BEN_GERRY_IRRCAC = dict(kripp=0.664894, fleiss=0.649351, gwet_ac1=0.661442, bp=0.659091)

H07 = [[1,1,2,nan,2],[1,1,0,1,nan],[2,3,3,3,nan],[nan,0,0,nan,0],[0,0,0,nan,0],[0,0,0,nan,0],[1,0,2,nan,1],[1,nan,2,0,nan],
[2,2,2,nan,2],[2,1,1,1,nan],[nan,1,0,0,nan],[0,0,0,0,nan],[1,2,2,2,nan],[3,3,2,2,3],[1,1,1,nan,1],[1,1,1,nan,1],[2,1,2,nan,2],
[1,2,3,3,nan],[1,1,0,1,nan],[0,0,0,nan,0],[0,0,1,1,nan],[0,0,nan,0,0],[2,3,3,3,nan],[0,0,0,0,nan],[1,2,nan,2,2],[0,1,1,1,nan],
[0,0,0,1,0],[1,2,1,2,nan],[1,1,2,2,nan],[1,1,2,nan,2],[1,1,0,nan,0],[2,1,2,1,nan],[2,2,nan,2,2],[3,2,2,2,nan],[2,2,2,nan,2],
[2,2,3,nan,2],[2,2,2,nan,2],[2,2,nan,1,2],[2,2,2,2,nan],[1,1,1,nan,1]]  # fmt: skip
H07_ALPHA = dict(ordinal=0.759829, nominal=0.476510, interval=0.757378, ratio=0.662123)

DIAG = [[4,4,4,4,4,4],[2,2,2,5,5,5],[2,3,3,3,3,5],[5,5,5,5,5,5],[2,2,2,4,4,4],[1,1,3,3,3,3],[3,3,3,3,5,5],[1,1,3,3,3,4],
[1,1,4,4,4,4],[5,5,5,5,5,5],[1,4,4,4,4,4],[1,2,4,4,4,4],[2,2,2,3,3,3],[1,4,4,4,4,4],[2,2,4,4,4,5],[3,3,3,3,3,5],
[1,1,1,4,5,5],[1,1,1,1,1,2],[2,2,4,4,4,4],[1,3,3,5,5,5],[5,5,5,5,5,5],[2,4,4,4,4,4],[2,2,4,5,5,5],[1,1,4,4,4,4],
[1,4,4,4,4,5],[2,2,2,2,2,4],[1,1,1,1,5,5],[2,2,4,4,4,4],[1,3,3,3,3,3],[5,5,5,5,5,5]]  # fmt: skip
DIAG_EXPECTED = dict(fleiss=0.430245, randolph_bp=0.444444, gwet_ac1=0.447885, kripp_nominal=0.433410,
                     percent_agreement=0.555556)  # fmt: skip

WIKI_FLEISS = [[0,0,0,0,14],[0,2,6,4,2],[0,0,3,5,6],[0,3,9,2,0],[2,2,8,1,1],[7,7,0,0,0],[3,2,6,3,0],[2,5,3,2,2],
[6,5,2,1,0],[0,2,2,3,7]]  # fmt: skip
WIKI_FLEISS_EXPECTED = dict(fleiss=0.209931, randolph=0.222527)

COHEN_TABLES = {
    "wiki_20_5_10_15": ([[20, 5], [10, 15]], 0.4),
    "wiki_45_15_25_15": ([[45, 15], [25, 15]], 0.130435),
    "wiki_25_35_5_35": ([[25, 35], [5, 35]], 0.259259),
    "sas_3x3": ([[0, 4, 1], [0, 8, 0], [0, 1, 5]], 0.484163),
}
SAS_3x3_WEIGHTED = dict(linear=0.470120, quadratic=0.450161)
ANXIETY_R2 = [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4]
ANXIETY_R3 = [2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2]
ANXIETY_R2R3 = dict(unweighted=-0.006289, linear=0.145907, quadratic=0.252033,
                    linear_labels_1to6=0.126214, quadratic_labels_1to6=0.229798)  # fmt: skip

SCOTT_3x3 = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
SCOTT_3x3_EXPECTED = dict(scott_pi=-0.056338, cohen_kappa=-0.041667)

CONT3x3_ABSTRACTORS = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]
CONT3x3_EXPECTED = dict(cohen=0.796409, scott=0.796240, gwet_ac1=0.849331, bp=0.835, kripp=0.797258, pa=0.89,
                        cohen_linear=0.842902, cohen_quadratic=0.892157)  # fmt: skip
CONT4x4_DIAGNOSIS = [[40, 4, 4, 17], [6, 25, 2, 13], [4, 1, 21, 12], [15, 5, 9, 45]]
CONT4x4_EXPECTED = dict(cohen=0.431501, scott=0.430341, gwet_ac1=0.456158, bp=0.449925, kripp=0.431618, pa=0.587444,
                        cohen_linear=0.406811, cohen_quadratic=0.383186)  # fmt: skip

TOY = [("w1","t1","no"),("w1","t2","yes"),("w1","t3","yes"),("w1","t4","yes"),("w1","t5","yes"),
       ("w2","t1","yes"),("w2","t2","yes"),("w2","t3","no"),("w2","t4","yes"),("w2","t5","no"),
       ("w3","t2","yes"),("w3","t3","no"),("w3","t4","yes"),("w3","t5","no"),
       ("w4","t1","yes"),("w4","t2","no"),("w4","t3","yes"),("w4","t4","yes"),("w4","t5","no"),
       ("w5","t1","no"),("w5","t2","no"),("w5","t3","no"),("w5","t4","yes"),("w5","t5","no")]  # fmt: skip
TOY_GOLD = {"t1": "yes", "t2": "yes", "t3": "no", "t4": "yes", "t5": "no"}
TOY_EXPECTED = dict(alpha=0.14219114219114215, ds_labels=TOY_GOLD,
                    mv_labels={"t1": "no", "t2": "yes", "t3": "no", "t4": "yes", "t5": "no"},
                    ds_expected_accuracy_by_worker=[0.4, 1.0, 1.0, 0.6, 0.6])  # fmt: skip

NER_TRUE = [["O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]
NER_PRED = [["O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]
NER_EXPECTED = dict(exact=0.5, ent_type=1.0)
