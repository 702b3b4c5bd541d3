using Nabla.Graphs;

namespace Nabla.Tensors;

/// <summary>
/// Reverse-mode automatic differentiation on a dynamic tape. Every operation that has an input
/// requiring a gradient gives its output a <see cref="Node"/>: the operation's name, its inputs, and
/// its backward rule, a closure that receives the output's gradient and adds (+=) each input's share
/// into that input's gradient. <see cref="Backward"/> orders the graph topologically and runs the
/// rules from the output back to the leaves (micrograd's algorithm, over tensors).
/// </summary>
public sealed partial class Tensor
{
    /// <summary>Where a non-leaf tensor came from.</summary>
    internal sealed class Node(string op, Tensor[] inputs, Action<Tensor> backward)
    {
        public readonly string Op = op;
        public readonly Tensor[] Inputs = inputs;
        public readonly Action<Tensor> Backward = backward;
    }

    internal Node? node;
    private bool requiresGrad;
    private bool gradIsPooled;
    private int visitMark; // written by TopologicalOrder in place of a visited-set

    /// <summary>
    /// Whether gradients flow to this tensor. Set it on leaves (parameters, inputs); outputs of
    /// operations get it from their inputs.
    /// </summary>
    public bool RequiresGrad
    {
        get => requiresGrad;
        set
        {
            if (node is not null)
                throw new InvalidOperationException($"RequiresGrad: can only be changed on a leaf tensor; this one is the output of {node.Op} (use Detach())");
            if (value)
            {
                RequireFloat("RequiresGrad");
                // A leaf that requires a gradient is a parameter: it must outlive every step, so a tensor
                // made inside a TensorScope (say (Randn(...) * 0.1f).Detach()) leaves the scope here.
                TensorScope.Release(this);
            }
            requiresGrad = value;
        }
    }

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor, for one-line parameter creation.</summary>
    public Tensor RequireGrad(bool requires = true)
    {
        RequiresGrad = requires;
        return this;
    }

    /// <summary>
    /// The accumulated gradient of a leaf after <see cref="Backward"/> (same shape, contiguous), or null
    /// if none has flowed yet. Gradients of intermediate tensors are freed as soon as they are used, unless
    /// <see cref="RetainGrad"/> asked to keep them.
    /// </summary>
    public Tensor? Grad { get; set; }

    /// <summary>True for tensors made by the user rather than computed by an operation.</summary>
    public bool IsLeaf => node is null;

    /// <summary>The name of the operation that produced this tensor (PyTorch's grad_fn), or null for a leaf.</summary>
    public string? GradFn => node?.Op;

    /// <summary>Zeroes the gradient in place (the buffer is kept, so the next step does not allocate).</summary>
    public void ZeroGrad() => Grad?.Span.Clear();

    /// <summary>The same storage and layout, cut from the graph: no gradient flows through the result.</summary>
    public Tensor Detach() => WithLayout(shape, strides, offset);

    // ---- grad mode ----------------------------------------------------------------------------

    [ThreadStatic] private static int noGradDepth;

    /// <summary>False inside a <see cref="NoGrad"/> scope on this thread: no graph is recorded.</summary>
    public static bool IsGradEnabled => noGradDepth == 0;

    /// <summary><c>using (Tensor.NoGrad()) { ... }</c>: operations inside record no graph (evaluation, optimizer steps).</summary>
    public static GradModeScope NoGrad()
    {
        noGradDepth++;
        return new GradModeScope();
    }

    public readonly struct GradModeScope : IDisposable
    {
        public void Dispose() => noGradDepth--;
    }

    // ---- anomaly mode -------------------------------------------------------------------------

    [ThreadStatic] private static bool detectAnomaly;

    /// <summary>
    /// When on, every operation checks its output, and every backward rule the gradients it produced,
    /// for NaN and infinity, and throws naming the first operation that made one. Costs a scan per op.
    /// Per thread, like <see cref="NoGrad"/>: turn it on in the thread that runs the model.
    /// </summary>
    public static bool DetectAnomaly
    {
        get => detectAnomaly;
        set => detectAnomaly = value;
    }

    /// <summary><c>using (Tensor.AnomalyDetection()) { ... }</c> turns on <see cref="DetectAnomaly"/> for a scope.</summary>
    public static AnomalyScope AnomalyDetection()
    {
        var scope = new AnomalyScope(DetectAnomaly);
        DetectAnomaly = true;
        return scope;
    }

    public readonly struct AnomalyScope(bool previous) : IDisposable
    {
        public void Dispose() => DetectAnomaly = previous;
    }

    private static string? FirstNonFinite(Tensor t)
    {
        if (t.DType != DType.Float32) return null;
        ReadOnlySpan<float> values = t.IsContiguous ? t.Span : t.ToArray();   // a gradient may be a transposed view
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return float.IsNaN(values[i]) ? "NaN" : "infinity";
        return null;
    }

    // ---- recording ----------------------------------------------------------------------------

    /// <summary>
    /// The last line of every operation: checks the output under anomaly mode and, if grad mode is on
    /// and an input requires a gradient, records <paramref name="backward"/> as the way back.
    /// <paramref name="backward"/> receives the output's gradient (contiguous, same shape as the output)
    /// and must add each input's contribution into <c>input.GradSpan()</c> (only for inputs that
    /// <see cref="RequiresGrad"/>).
    /// </summary>
    internal static Tensor Record(string op, Tensor output, Tensor[] inputs, Action<Tensor> backward)
    {
        if (DetectAnomaly && FirstNonFinite(output) is string bad)
            throw new InvalidOperationException($"Anomaly: {op} produced {bad} in its output {Shapes.Format(output.shape)} (forward)");
        if (!IsGradEnabled) return output;
        foreach (Tensor input in inputs)
        {
            if (!input.requiresGrad) continue;
            output.requiresGrad = true;
            output.node = new Node(op, inputs, backward);
            break;
        }
        return output;
    }

    /// <summary>
    /// The gradient buffer of this tensor, created zeroed on first use. Backward rules add into it.
    /// Intermediate tensors borrow it from the buffer pool; leaves own theirs.
    /// </summary>
    internal Tensor EnsureGrad()
    {
        MakeGradRowMajor();
        if (Grad is null)
        {
            bool pooled = node is not null;
            float[] buffer = pooled ? BufferPool.RentZeroed(Count) : new float[Count];
            Grad = new Tensor(buffer, ShapeOf(shape));
            gradIsPooled = pooled;
        }
        return Grad;
    }

    /// <summary>
    /// A product keeps a transposed view's gradient in the layout of the tensor it views (see MatMul); a rule that
    /// writes a gradient row-major gets it copied into a contiguous buffer first.
    /// </summary>
    internal void MakeGradRowMajor()
    {
        if (Grad is null || Grad.IsContiguous) return;
        Tensor strided = Grad;
        bool wasPooled = gradIsPooled;
        Grad = null;
        Tensor contiguous = EnsureGrad();
        AccumulateInto(contiguous, strided);
        if (wasPooled) BufferPool.Return(strided.data);
    }

    /// <summary>The elements of <see cref="EnsureGrad"/>, for kernels that add into them.</summary>
    internal Span<float> GradSpan() => EnsureGrad().Span;

    /// <summary>
    /// Backpropagates from this tensor: every leaf that requires a gradient receives d(this)/d(leaf),
    /// added to its <see cref="Grad"/>. Without <paramref name="gradient"/> this tensor must hold a
    /// single value (a loss); with it, the result is the vector–Jacobian product gradient · J.
    /// </summary>
    public void Backward(Tensor? gradient = null)
    {
        EnsureAlive("Backward");
        if (!requiresGrad)
            throw new InvalidOperationException(
                "Backward: this tensor does not require a gradient (no input of its graph has RequiresGrad = true, or it was computed under NoGrad)");
        using var sorted = TopologicalOrder.Of(new GraphNode(this));
        ReadOnlySpan<GraphNode> order = sorted.Nodes;
        SetAsideRetainedGradients(order);
        if (gradient is null)
        {
            if (Count != 1)
                throw new InvalidOperationException($"Backward: a gradient can be implied only for a one-element output; this one has shape {Shapes.Format(shape)}: pass the output gradient");
            GradSpan()[0] += 1f;
        }
        else
        {
            if (!Shapes.SameShape(gradient.shape, shape))
                throw new ArgumentException($"Backward: gradient shape {Shapes.Format(gradient.shape)} differs from output shape {Shapes.Format(shape)}");
            gradient.RequireFloat("Backward");
            AccumulateInto(EnsureGrad(), gradient);
        }

        for (int i = order.Length - 1; i >= 0; i--) // the released tensor nearest the output is the one to name
            if (order[i].Tensor is { released: true } t)
                throw new ObjectDisposedException(nameof(Tensor),
                    $"Backward: the graph reaches the output {Shapes.Format(t.shape)} of {t.GradFn ?? "a view"}, which was computed inside a TensorScope that has ended; call Backward inside that scope");
        using (NoGrad())
        {
            for (int i = order.Length - 1; i >= 0; i--)
            {
                Tensor t = order[i].Tensor;
                if (t.node is not Node n) continue;
                if (t.Grad is Tensor grad)
                {
                    try { n.Backward(grad); }
                    catch (ObjectDisposedException e) when (e.ObjectName == nameof(Tensor))
                    {
                        throw new ObjectDisposedException(nameof(Tensor),
                            $"Backward: the backward rule of {n.Op} needs a tensor it saved in forward, which was computed inside a TensorScope that has ended; call Backward inside that scope");
                    }
                    if (DetectAnomaly) CheckGradients(n);
                }
                if (t.retainsGrad) { t.KeepRetainedGradient(); continue; }
                // An intermediate gradient is used exactly once: hand its buffer back.
                if (t.Grad is Tensor used && t.gradIsPooled) BufferPool.Return(used.data);
                t.Grad = null;
                t.gradIsPooled = false;
            }
        }
    }

    private static void CheckGradients(Node n)
    {
        for (int k = 0; k < n.Inputs.Length; k++)
        {
            Tensor input = n.Inputs[k];
            if (input.Grad is Tensor g && FirstNonFinite(g) is string bad)
                throw new InvalidOperationException(
                    $"Anomaly: backward of {n.Op} produced {bad} in the gradient of its input {k} {Shapes.Format(input.shape)}");
        }
    }

    /// <summary>A tensor as <see cref="TopologicalOrder"/> sees it: its operands are the inputs that
    /// require a gradient, since no gradient flows anywhere else.</summary>
    private readonly struct GraphNode(Tensor tensor) : IGraphNode<GraphNode>
    {
        public Tensor Tensor => tensor;
        public int OperandCount => tensor.node?.Inputs.Length ?? 0;

        public bool TryGetOperand(int index, out GraphNode operand)
        {
            Tensor input = tensor.node!.Inputs[index];
            operand = new GraphNode(input);
            return input.requiresGrad;
        }

        public ref int Mark => ref tensor.visitMark;
    }
}
