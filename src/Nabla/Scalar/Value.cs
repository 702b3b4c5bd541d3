using System.Globalization;
using Nabla.Graphs;

namespace Nabla.Scalar;

/// <summary>
/// One number that remembers how it was computed, so that <see cref="Backward"/> can find how every
/// number it came from affects it: reverse-mode automatic differentiation on scalars, the C# counterpart
/// of Karpathy's micrograd <c>engine.py</c>.
/// </summary>
/// <remarks>
/// <para>Each operation builds its output and, right below it, the rule that pushes the output's gradient
/// back to its operands: the chain rule, one local derivative at a time. (Why a rule is an
/// <see cref="Operation"/> and not a closure per node: Value.Operation.cs. The graph walk: Value.Graph.cs.)</para>
/// <para><b>Gradients accumulate.</b> A value used twice (<c>a * a</c>) receives the gradient of each use,
/// summed, as the multivariate chain rule says. Calling <see cref="Backward"/> again on the same graph
/// recomputes every intermediate gradient from zero and <em>adds</em> one more d(output)/d(leaf) to each
/// leaf (a value made with <c>new Value(..)</c>), like PyTorch; so a training loop calls
/// <see cref="ScalarModule.ZeroGrad"/> before each <see cref="Backward"/>. (micrograd also accumulates into
/// intermediate nodes, so there a second call gives leaves no meaningful number: for <c>y = a*b + a</c> at
/// a = 3, b = -2, micrograd's b.grad goes 3 → 9 and Nabla's 3 → 6.)</para>
/// <para>A graph is not safe to differentiate from two threads at once.</para>
/// </remarks>
public sealed partial class Value
{
    /// <summary>The number.</summary>
    public double Data { get; set; }

    /// <summary>d(output)/d(this), filled by <see cref="Backward"/> on some output this value flows into.</summary>
    public double Grad { get; set; }

    /// <summary>A name for drawings and messages (optional).</summary>
    public string? Label { get; set; }

    /// <summary>The operation that produced this value ("+", "*", "tanh", ...); empty for a leaf.</summary>
    public string Op => _operation?.Symbol ?? "";

    // The operands (_b null for one-operand operations, both null for a leaf) and the operation that
    // made this value, which carries the rule that pushes this node's Grad to them.
    private readonly Value? _a, _b;
    private readonly Operation? _operation;

    /// <summary>A leaf: an input, a parameter or a constant.</summary>
    public Value(double data, string? label = null)
    {
        Data = data;
        Label = label;
    }

    private Value(double data, Value a, Value? b, Operation operation)
    {
        Data = data;
        (_a, _b, _operation) = (a, b, operation);
    }

    // ---- the operations: forward, then right below it the backward rule ----------------------------
    // A rule receives the output node `o`; its operands are o.A and o.B.

    public static Value operator +(Value a, Value b) => new(a.Data + b.Data, a, b, AddOp);
    private static readonly Operation AddOp = new("+", static o =>
    {
        o.A.Grad += o.Grad;                  // ∂(a+b)/∂a = 1
        o.B.Grad += o.Grad;                  // ∂(a+b)/∂b = 1
    });

    public static Value operator -(Value a, Value b) => new(a.Data - b.Data, a, b, SubtractOp);
    private static readonly Operation SubtractOp = new("-", static o =>
    {
        o.A.Grad += o.Grad;                  // ∂(a-b)/∂a = 1
        o.B.Grad -= o.Grad;                  // ∂(a-b)/∂b = -1
    });

    public static Value operator *(Value a, Value b) => new(a.Data * b.Data, a, b, MultiplyOp);
    private static readonly Operation MultiplyOp = new("*", static o =>
    {
        o.A.Grad += o.B.Data * o.Grad;       // ∂(ab)/∂a = b
        o.B.Grad += o.A.Data * o.Grad;       // ∂(ab)/∂b = a
    });

    public static Value operator /(Value a, Value b)
    {
        if (b.Data == 0) throw new DivideByZeroException($"Div: division by zero: divisor {b} is 0 (dividend {a})");
        return new(a.Data / b.Data, a, b, DivideOp);
    }
    private static readonly Operation DivideOp = new("/", static o =>
    {
        o.A.Grad += o.Grad / o.B.Data;                                  // ∂(a/b)/∂a = 1/b
        o.B.Grad -= o.Grad * o.A.Data / (o.B.Data * o.B.Data);          // ∂(a/b)/∂b = -a/b²
    });

    public static Value operator -(Value a) => new(-a.Data, a, null, NegateOp);
    private static readonly Operation NegateOp = new("neg", static o =>
    {
        o.A.Grad -= o.Grad;                  // ∂(-a)/∂a = -1
    });

    /// <summary>this<sup>exponent</sup> for a constant exponent.</summary>
    public Value Pow(double exponent)
    {
        double result = Math.Pow(Data, exponent);
        if (double.IsNaN(result))
            throw new ArgumentException($"Pow: {this} ^ {Format(exponent)} is not a real number (NaN)");
        if (Data == 0 && exponent < 0)
            throw new DivideByZeroException($"Pow: {this} ^ {Format(exponent)} divides by zero");
        if (double.IsInfinity(result) && !double.IsInfinity(Data))
            throw new OverflowException($"Pow: {this} ^ {Format(exponent)} overflows a double");
        // The exponent differs from call to call, so each Pow makes its own Operation to carry it.
        return new(result, this, null, new Operation($"^{Format(exponent)}", static o =>
        {
            double n = o._operation!.Constant;  // ∂(aⁿ)/∂a = n·aⁿ⁻¹ (and 0 for n = 0, even at a = 0)
            o.A.Grad += n == 0 ? 0 : n * Math.Pow(o.A.Data, n - 1) * o.Grad;
        }, constant: exponent));
    }

    public Value Exp()
    {
        double e = Math.Exp(Data);
        if (double.IsInfinity(e) && !double.IsInfinity(Data))
            throw new OverflowException($"Exp: exp({this}) overflows a double");
        return new(e, this, null, ExpOp);
    }
    private static readonly Operation ExpOp = new("exp", static o =>
    {
        o.A.Grad += o.Data * o.Grad;         // ∂eᵃ/∂a = eᵃ, which is the output itself
    });

    public Value Log()
    {
        if (!(Data > 0)) throw new ArgumentException($"Log: operand must be positive, got {this}");
        return new(Math.Log(Data), this, null, LogOp);
    }
    private static readonly Operation LogOp = new("log", static o =>
    {
        o.A.Grad += o.Grad / o.A.Data;       // ∂ln(a)/∂a = 1/a
    });

    public Value Tanh() => new(Math.Tanh(Data), this, null, TanhOp);
    private static readonly Operation TanhOp = new("tanh", static o =>
    {
        o.A.Grad += (1 - o.Data * o.Data) * o.Grad;   // ∂tanh(a)/∂a = 1 - tanh²(a)
    });

    public Value Relu() => new(Data > 0 ? Data : 0, this, null, ReluOp);
    private static readonly Operation ReluOp = new("relu", static o =>
    {
        o.A.Grad += o.Data > 0 ? o.Grad : 0;          // 1 where a > 0, else 0
    });

    public Value Sigmoid() =>
        // Written so that exp never overflows: for a < 0, σ(a) = eᵃ/(1+eᵃ).
        new(Data >= 0 ? 1 / (1 + Math.Exp(-Data)) : Math.Exp(Data) / (1 + Math.Exp(Data)), this, null, SigmoidOp);
    private static readonly Operation SigmoidOp = new("sigmoid", static o =>
    {
        o.A.Grad += o.Data * (1 - o.Data) * o.Grad;  // ∂σ(a)/∂a = σ(a)(1 - σ(a))
    });

    // Numbers on either side become constant leaves, as in micrograd.
    public static Value operator +(Value a, double b) => a + new Value(b);
    public static Value operator +(double a, Value b) => new Value(a) + b;
    public static Value operator -(Value a, double b) => a - new Value(b);
    public static Value operator -(double a, Value b) => new Value(a) - b;
    public static Value operator *(Value a, double b) => a * new Value(b);
    public static Value operator *(double a, Value b) => new Value(a) * b;
    public static Value operator /(Value a, double b) => a / new Value(b);
    public static Value operator /(double a, Value b) => new Value(a) / b;

    // ---- backpropagation ----------------------------------------------------------------------------

    /// <summary>
    /// Fills <see cref="Grad"/> of every value this one was computed from with d(this)/d(value): lists the
    /// graph in topological order (each value after its operands), adds d(this)/d(this) = 1, then walks the
    /// list from this value back to the leaves, each node pushing its gradient to its operands.
    /// </summary>
    public void Backward()
    {
        using var sorted = TopologicalOrder.Of(new GraphNode(this));
        ReadOnlySpan<GraphNode> order = sorted.Nodes;
        foreach (Value node in order)
            if (!node.IsLeaf) node.Grad = 0;   // intermediate gradients start from zero on every call
        Grad += 1;
        for (int i = order.Length - 1; i >= 0; i--)
        {
            Value node = order[i];
            node._operation?.Backward(node);
        }
    }

    public override string ToString() =>
        Label is null ? $"Value(data={Format(Data)}, grad={Format(Grad)})"
                      : $"Value '{Label}'(data={Format(Data)}, grad={Format(Grad)})";

    private static string Format(double x) => x.ToString("G6", CultureInfo.InvariantCulture);
}
