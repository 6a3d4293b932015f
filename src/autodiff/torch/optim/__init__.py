"""torch.optim: optimizers and learning-rate schedulers."""

from autodiff.torch.optim.adadelta import Adadelta
from autodiff.torch.optim.adagrad import Adagrad
from autodiff.torch.optim.adam import Adam
from autodiff.torch.optim.adamw import AdamW
from autodiff.torch.optim.optimizer import Optimizer
from autodiff.torch.optim.rmsprop import RMSprop
from autodiff.torch.optim.sgd import SGD

__all__ = ["Adadelta", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "SGD"]
