using Nabla.Tensors;

namespace Nabla.NN;

/// <summary>
/// The gated recurrent unit (Cho et al. 2014, "Learning Phrase Representations using RNN Encoder–Decoder
/// for Statistical Machine Translation"), with the equations and parameter layout of PyTorch's nn.GRUCell:
/// <code>
/// r  = σ(W_ir x + b_ir + W_hr h + b_hr)          reset gate
/// z  = σ(W_iz x + b_iz + W_hz h + b_hz)          update gate
/// n  = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))  candidate state
/// h' = (1 − z) ⊙ n + z ⊙ h
/// </code>
/// weight_ih is [W_ir; W_iz; W_in] ([3H, in]) and weight_hh is [W_hr; W_hz; W_hn] ([3H, H]), in that order.
/// </summary>
/// <remarks>
/// The reset gate multiplies W_hn h + b_hn, after the product, as PyTorch and cuDNN do; the paper (and
/// makemore's GRUCell) multiply h before it, W_hn (r ⊙ h). The two are different functions. This form
/// lets all three hidden products be one [3H, H] product per step.
/// </remarks>
public sealed class GruCell(int inputSize, int hiddenSize, bool bias = true, Generator? generator = null)
    : RecurrentCell(inputSize, hiddenSize, gates: 3, bias, generator)
{
    protected override Tensor Step(Tensor inputProjection, Tensor h)
    {
        Tensor[] i = inputProjection.Split(HiddenSize, dim: 1);      // 3 × (B, H): W_i· x + b_i·
        Tensor[] g = HiddenProjection(h).Split(HiddenSize, dim: 1);  // 3 × (B, H): W_h· h + b_h·
        Tensor r = (i[0] + g[0]).Sigmoid();                          // (B, H)
        Tensor z = (i[1] + g[1]).Sigmoid();                          // (B, H)
        Tensor n = (i[2] + r * g[2]).Tanh();                         // (B, H)
        return (1f - z) * n + z * h;                                 // (B, H)
    }
}
