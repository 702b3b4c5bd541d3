using Nabla.Kernels;

namespace Nabla.Tensors;

/// <summary>How GELU computes Φ(x): exactly with erf, or with GPT-2's tanh approximation.</summary>
public enum GeluApproximation
{
    /// <summary>x · Φ(x) with Φ(x) = ½ erfc(−x/√2) (torch's approximate="none").</summary>
    None,
    /// <summary>0.5 · x · (1 + tanh(√(2/π) (x + 0.044715 x³))) (torch's approximate="tanh").</summary>
    Tanh,
}

/// <summary>GELU (Hendrycks and Gimpel 2016), the activation of GPT's MLP, by the fused SIMD kernel.</summary>
public sealed partial class Tensor
{
    // y = x · Φ(x):  dx += dy · (Φ(x) + x · φ(x))  (tanh form: the derivative of its own formula)
    public Tensor Gelu(GeluApproximation approximate = GeluApproximation.None)
    {
        const string op = "Gelu";
        RequireFloat(op);
        bool tanh = approximate == GeluApproximation.Tanh;
        Tensor x = Contiguous();
        Tensor y = Output(ShapeOf(shape));
        GeluKernel.Forward(x.Span, y.Span, tanh);
        return Record(op, y, [x], dy => GeluKernel.Backward(x.Span, dy.Span, x.GradSpan(), tanh));
    }
}
