using System.Globalization;

namespace Nabla.Scalar;

/// <summary>
/// One number that remembers how it was computed, so that <see cref="Backward"/> can find how every
/// number it came from affects it: reverse-mode automatic differentiation on scalars, the C# counterpart
/// of Karpathy's micrograd <c>engine.py</c>.
/// </summary>
/// <remarks>
/// <para>Each operation below builds its output and, right beside it, the rule that pushes the output's
/// gradient back to its operands (the chain rule, one local derivative at a time). The rules are
/// <c>static</c> lambdas: they capture nothing and read their operands from the output node, so the
/// compiler caches one delegate per operation and building a node allocates only the node itself.</para>
/// <para><b>Gradients accumulate.</b> A value used twice (<c>a * a</c>) receives the gradient of each use,
/// summed, as the multivariate chain rule says. Calling <see cref="Backward"/> again on the same graph
/// recomputes every intermediate gradient from zero, and <em>adds</em> one more d(output)/d(leaf) to each
/// leaf (a value you made with <c>new Value(..)</c>: an input or a parameter), like PyTorch. So a training
/// loop calls <see cref="MLP.ZeroGrad"/> (or <see cref="ZeroGrad"/> on the loss) before each
/// <see cref="Backward"/>. (micrograd also accumulates into intermediate nodes, so there a second call
/// gives leaves neither one gradient more nor any meaningful number: for <c>y = a*b + a</c> at a = 3,
/// b = -2, micrograd's b.grad goes 3 → 9 and Nabla's 3 → 6.)</para>
/// <para>A graph is not safe to differentiate from two threads at once.</para>
/// </remarks>
public sealed class Value
{
    /// <summary>The number.</summary>
    public double Data { get; set; }

    /// <summary>d(output)/d(this), filled by <see cref="Backward"/> on some output this value flows into.</summary>
    public double Grad { get; set; }

    /// <summary>A name for drawings and messages (optional).</summary>
    public string? Label { get; set; }

    /// <summary>The operation that produced this value ("+", "*", "tanh", ...); empty for a leaf.</summary>
    public string Op { get; }

    // The operands (null for a leaf; _b null for one-operand operations) and the rule that takes this
    // node's Grad and adds each operand's share to the operand's Grad.
    private readonly Value? _a, _b;
    private readonly Action<Value>? _backward;
    private readonly double _exponent; // Pow's constant exponent, the one number a rule needs besides the nodes
    private long _visitedInPass;       // see TopologicalOrder: a stamp instead of a visited-set

    /// <summary>A leaf: an input, a parameter or a constant.</summary>
    public Value(double data, string? label = null)
    {
        Data = data;
        Label = label;
        Op = "";
    }

    private Value(double data, string op, Value a, Value? b, Action<Value> backward, double exponent = 0)
    {
        Data = data;
        Op = op;
        _a = a;
        _b = b;
        _backward = backward;
        _exponent = exponent;
    }

    /// <summary>The values this one was computed from (none for a leaf).</summary>
    public IEnumerable<Value> Operands
    {
        get
        {
            if (_a is not null) yield return _a;
            if (_b is not null) yield return _b;
        }
    }

    /// <summary>True for a value not computed from others (an input, a parameter, a constant).</summary>
    public bool IsLeaf => _backward is null;

    // Inside a backward rule: the output node is `o`, its operands are o.A and o.B.
    private Value A => _a!;
    private Value B => _b!;

    // ---- the operations: forward, then its backward rule ------------------------------------------

    public static Value operator +(Value a, Value b) =>
        new(a.Data + b.Data, "+", a, b, static o =>
        {
            o.A.Grad += o.Grad;                  // ∂(a+b)/∂a = 1
            o.B.Grad += o.Grad;                  // ∂(a+b)/∂b = 1
        });

    public static Value operator -(Value a, Value b) =>
        new(a.Data - b.Data, "-", a, b, static o =>
        {
            o.A.Grad += o.Grad;                  // ∂(a-b)/∂a = 1
            o.B.Grad -= o.Grad;                  // ∂(a-b)/∂b = -1
        });

    public static Value operator *(Value a, Value b) =>
        new(a.Data * b.Data, "*", a, b, static o =>
        {
            o.A.Grad += o.B.Data * o.Grad;       // ∂(ab)/∂a = b
            o.B.Grad += o.A.Data * o.Grad;       // ∂(ab)/∂b = a
        });

    public static Value operator /(Value a, Value b)
    {
        if (b.Data == 0) throw new DivideByZeroException($"Div: division by zero: divisor {b} is 0 (dividend {a})");
        return new(a.Data / b.Data, "/", a, b, static o =>
        {
            o.A.Grad += o.Grad / o.B.Data;                                  // ∂(a/b)/∂a = 1/b
            o.B.Grad -= o.Grad * o.A.Data / (o.B.Data * o.B.Data);          // ∂(a/b)/∂b = -a/b²
        });
    }

    public static Value operator -(Value a) =>
        new(-a.Data, "neg", a, null, static o =>
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
        return new(result, $"^{Format(exponent)}", this, null, static o =>
        {
            double n = o._exponent;              // ∂(aⁿ)/∂a = n·aⁿ⁻¹ (and 0 for n = 0, even at a = 0)
            o.A.Grad += n == 0 ? 0 : n * Math.Pow(o.A.Data, n - 1) * o.Grad;
        }, exponent);
    }

    public Value Exp()
    {
        double e = Math.Exp(Data);
        if (double.IsInfinity(e) && !double.IsInfinity(Data))
            throw new OverflowException($"Exp: exp({this}) overflows a double");
        return new(e, "exp", this, null, static o =>
        {
            o.A.Grad += o.Data * o.Grad;         // ∂eᵃ/∂a = eᵃ, which is the output itself
        });
    }

    public Value Log()
    {
        if (!(Data > 0)) throw new ArgumentException($"Log: operand must be positive, got {this}");
        return new(Math.Log(Data), "log", this, null, static o =>
        {
            o.A.Grad += o.Grad / o.A.Data;       // ∂ln(a)/∂a = 1/a
        });
    }

    public Value Tanh() =>
        new(Math.Tanh(Data), "tanh", this, null, static o =>
        {
            o.A.Grad += (1 - o.Data * o.Data) * o.Grad;   // ∂tanh(a)/∂a = 1 - tanh²(a)
        });

    public Value ReLU() =>
        new(Data > 0 ? Data : 0, "relu", this, null, static o =>
        {
            o.A.Grad += o.Data > 0 ? o.Grad : 0;          // 1 where a > 0, else 0
        });

    public Value Sigmoid() =>
        // Written so that exp never overflows: for a < 0, σ(a) = eᵃ/(1+eᵃ).
        new(Data >= 0 ? 1 / (1 + Math.Exp(-Data)) : Math.Exp(Data) / (1 + Math.Exp(Data)), "sigmoid", this, null, static o =>
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
    /// Fills <see cref="Grad"/> of every value this one was computed from with d(this)/d(value): sets
    /// intermediate gradients to zero, adds 1 to this value's gradient, then walks the graph from the
    /// output back to the leaves, each node pushing its gradient to its operands. Leaves accumulate
    /// (see the class remarks). Iterative: a chain of millions of operations needs no deep call stack.
    /// </summary>
    public void Backward()
    {
        GraphWalk walk = TopologicalOrder(zeroIntermediateGrads: true);
        try
        {
            Grad += 1; // d(this)/d(this)
            Value[] order = walk.Order;
            for (int i = walk.Count - 1; i >= 0; i--)
            {
                Value node = order[i];
                node._backward?.Invoke(node);
            }
        }
        finally
        {
            walk.Clear(); // the buffer is reused; it must not keep the graph alive
        }
    }

    /// <summary>Sets <see cref="Grad"/> to zero on this value and on every value it was computed from,
    /// leaves (parameters, inputs) included.</summary>
    public void ZeroGrad()
    {
        GraphWalk walk = TopologicalOrder(zeroIntermediateGrads: false);
        for (int i = 0; i < walk.Count; i++) walk.Order[i].Grad = 0;
        walk.Clear();
    }

    /// <summary>Every value of this one's graph, operands before results (a fresh list).</summary>
    public List<Value> Graph()
    {
        GraphWalk walk = TopologicalOrder(zeroIntermediateGrads: false);
        var graph = new List<Value>(walk.Order.AsSpan(0, walk.Count).ToArray());
        walk.Clear();
        return graph;
    }

    /// <summary>
    /// Every value this one depends on, each after all of its operands (this value last): a depth-first
    /// search with an explicit stack, so depth costs heap, not call stack. A node on top of the stack is
    /// "entered" the first time (its operands not yet seen are pushed above it) and "emitted" the second
    /// time, when everything above it (its operands and theirs) has been emitted.
    /// Instead of a HashSet of visited nodes, each walk takes a fresh pass number and stamps the nodes it
    /// reaches: 2·pass when entered, 2·pass + 1 when emitted; anything smaller is unseen in this walk.
    /// The result lives in a reused per-thread buffer: <see cref="GraphWalk.Clear"/> it when done.
    /// </summary>
    private GraphWalk TopologicalOrder(bool zeroIntermediateGrads)
    {
        GraphWalk walk = t_walk ??= new GraphWalk();
        long pass = Interlocked.Increment(ref s_pass);
        long entered = 2 * pass, emitted = 2 * pass + 1;
        // The stack and the order as locals (the JIT keeps them in registers); written back at the end.
        Value[] stack = walk.Stack, order = walk.Order;
        int top = 0, count = 0, deepest = 0;

        stack[top++] = this;
        while (top > 0)
        {
            Value node = stack[top - 1];
            if (node._visitedInPass < entered)
            {
                node._visitedInPass = entered;                     // enter: its operands go above it
                if (top + 2 > stack.Length) Array.Resize(ref stack, stack.Length * 2);
                if (node._b is { } b && b._visitedInPass < entered) stack[top++] = b;
                if (node._a is { } a && a._visitedInPass < entered) stack[top++] = a;
                if (top > deepest) deepest = top;
            }
            else
            {
                top--;
                if (node._visitedInPass != entered) continue;     // a second copy of an emitted node
                node._visitedInPass = emitted;                     // emit: all its operands are out
                if (zeroIntermediateGrads && !node.IsLeaf) node.Grad = 0;
                if (count == order.Length) Array.Resize(ref order, order.Length * 2);
                order[count++] = node;
            }
        }
        walk.Stack = stack;
        walk.Order = order;
        walk.Count = count;
        walk.Deepest = deepest;
        return walk;
    }

    [ThreadStatic] private static GraphWalk? t_walk;
    private static long s_pass;

    /// <summary>The two growing arrays of a graph walk, kept per thread so a walk allocates nothing.</summary>
    private sealed class GraphWalk
    {
        public Value[] Stack = new Value[256];
        public Value[] Order = new Value[256];
        public int Count;    // how much of Order the last walk filled
        public int Deepest;  // the stack's high-water mark: what Clear must wipe

        public void Clear()
        {
            Array.Clear(Order, 0, Count);
            Array.Clear(Stack, 0, Deepest);  // a walk ends with an empty stack, but pops leave copies
            Count = Deepest = 0;
        }
    }

    public override string ToString() =>
        Label is null ? $"Value(data={Format(Data)}, grad={Format(Grad)})"
                      : $"Value '{Label}'(data={Format(Data)}, grad={Format(Grad)})";

    private static string Format(double x) => x.ToString("G6", CultureInfo.InvariantCulture);
}
