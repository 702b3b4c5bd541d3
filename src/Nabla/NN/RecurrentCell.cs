using Nabla.Tensors;

namespace Nabla.NN;

/// <summary>
/// What every recurrent cell shares, in PyTorch's layout (so state dicts interoperate with nn.RNNCell and
/// nn.GRUCell): an input-to-hidden weight <c>weight_ih</c> [G·H, in] and a hidden-to-hidden weight
/// <c>weight_hh</c> [G·H, H] for G gates stacked along the rows, each with its own bias (<c>bias_ih</c>,
/// <c>bias_hh</c>), all initialized from U(−1/√H, 1/√H) as PyTorch does.
/// </summary>
/// <remarks>
/// A cell is one step, h_t = cell(x_t, h_{t−1}); <see cref="Unroll"/> runs it along a sequence. The two
/// projections are kept apart because the input one, x · W_ihᵀ + b_ih, does not depend on h: over a
/// sequence it is one matrix product for all T steps at once, and only h · W_hhᵀ + b_hh is left inside the
/// loop, where each step must wait for the previous one.
/// </remarks>
public abstract class RecurrentCell : Module
{
    public int InputSize { get; }
    public int HiddenSize { get; }
    /// <summary>W_ih, [G·H, in]: the G gates' input weights stacked by rows.</summary>
    public Tensor WeightIh { get; }
    /// <summary>W_hh, [G·H, H].</summary>
    public Tensor WeightHh { get; }
    public Tensor? BiasIh { get; }
    public Tensor? BiasHh { get; }

    protected RecurrentCell(int inputSize, int hiddenSize, int gates, bool bias, Generator? generator)
    {
        if (inputSize <= 0 || hiddenSize <= 0)
            throw new ArgumentException($"{GetType().Name}: sizes must be positive, got input {inputSize}, hidden {hiddenSize}");
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        Generator g = generator ?? Generator.Default;
        float bound = 1f / MathF.Sqrt(hiddenSize);
        Tensor Draw(params int[] shape) => Init.Uniform(Tensor.Zeros(shape), -bound, bound, g);
        WeightIh = Parameter("weight_ih", Draw(gates * hiddenSize, inputSize));
        WeightHh = Parameter("weight_hh", Draw(gates * hiddenSize, hiddenSize));
        if (bias)
        {
            BiasIh = Parameter("bias_ih", Draw(gates * hiddenSize));
            BiasHh = Parameter("bias_hh", Draw(gates * hiddenSize));
        }
    }

    /// <summary>
    /// One step of the recurrence from the input projection x · W_ihᵀ + b_ih (B, G·H) and the previous
    /// hidden state h (B, H) to the next hidden state (B, H).
    /// </summary>
    protected abstract Tensor Step(Tensor inputProjection, Tensor h);

    /// <summary>h · W_hhᵀ + b_hh: (B, H) → (B, G·H).</summary>
    protected Tensor HiddenProjection(Tensor h) => Linear.Affine(h, WeightHh, BiasHh);

    /// <summary>One step: x (B, in) and h (B, H), or zeros when null, as PyTorch → h' (B, H).</summary>
    public Tensor Forward(Tensor x, Tensor? h = null)
    {
        if (x.Rank != 2 || x.Size(1) != InputSize)
            throw new ArgumentException($"{Describe()}: input {Shapes.Format(x.Shape)} must be (B, {InputSize})");
        return Step(Linear.Affine(x, WeightIh, BiasIh), CheckHidden(h, x.Size(0)));
    }

    /// <summary>
    /// The cell along a sequence: xs (B, T, in) and an initial state h0 (B, H), or zeros → every hidden
    /// state (B, T, H); the last one, at T − 1, is the final state.
    /// </summary>
    public Tensor Unroll(Tensor xs, Tensor? h0 = null)
    {
        if (xs.Rank != 3 || xs.Size(2) != InputSize || xs.Size(1) == 0)
            throw new ArgumentException($"{Describe()}: sequence {Shapes.Format(xs.Shape)} must be (B, T ≥ 1, {InputSize})");
        int steps = xs.Size(1);
        Tensor inputProjections = Linear.Affine(xs, WeightIh, BiasIh); // (B, T, G·H), every step at once
        Tensor h = CheckHidden(h0, xs.Size(0));                        // (B, H)
        var states = new Tensor[steps];
        for (int t = 0; t < steps; t++)
            states[t] = h = Step(inputProjections.Select(1, t), h);     // (B, G·H), (B, H) → (B, H)
        return Tensor.Stack(states, dim: 1);                           // (B, T, H)
    }

    private Tensor CheckHidden(Tensor? h, int batch)
    {
        if (h is null) return Tensor.Zeros(batch, HiddenSize);
        if (h.Rank != 2 || h.Size(0) != batch || h.Size(1) != HiddenSize)
            throw new ArgumentException($"{Describe()}: hidden state {Shapes.Format(h.Shape)} must be ({batch}, {HiddenSize})");
        return h;
    }

    private string Describe() => $"{GetType().Name}({InputSize} → {HiddenSize})";
}
