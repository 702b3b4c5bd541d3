using Nabla.Tensors;

namespace Nabla.NN;

/// <summary>
/// The Elman recurrent cell (Elman 1990, "Finding Structure in Time"):
/// h' = tanh(W_ih x + b_ih + W_hh h + b_hh), in the layout of PyTorch's nn.RNNCell.
/// </summary>
/// <remarks>
/// makemore's RNNCell writes the same function as one Linear over the concatenation [x, h]; that Linear's
/// weight is [W_ih | W_hh] side by side and its bias is b_ih + b_hh. The split form is kept here: its state
/// dict loads into PyTorch's nn.RNNCell as is, and over a sequence the input half is one matrix product
/// for every step (see <see cref="RecurrentCell"/>).
/// </remarks>
public sealed class RnnCell(int inputSize, int hiddenSize, bool bias = true, Generator? generator = null)
    : RecurrentCell(inputSize, hiddenSize, gates: 1, bias, generator)
{
    protected override Tensor Step(Tensor inputProjection, Tensor h) =>
        (inputProjection + HiddenProjection(h)).Tanh();          // (B, H)
}
