# An exception raised while another is being handled (no `from`): Python reports both, linked by "During handling".
data = {"lr": 0.1}
try:
    momentum = data["momentum"]
except KeyError:
    print("no momentum given")
    raise ValueError("the optimizer needs a momentum")
