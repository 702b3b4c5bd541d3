using Nabla.Tensors;

namespace Nabla.Optim;

/// <summary>
/// Stochastic gradient descent, with optional momentum (Polyak's heavy ball, in PyTorch's form: the velocity
/// accumulates gradients and the step follows it) and L2 weight decay added to the gradient.
/// <code>
/// g = grad + weight_decay · p
/// v = momentum · v + g          (v = g at the first step)
/// p = p − lr · v
/// </code>
/// </summary>
public sealed class Sgd : Optimizer
{
    private readonly Dictionary<Tensor, Tensor> velocity = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Tensor, Tensor> decayed = new(ReferenceEqualityComparer.Instance);

    public float Momentum { get; }

    public Sgd(IEnumerable<Tensor> parameters, float learningRate, float momentum = 0f, float weightDecay = 0f)
        : this(OneGroup(parameters), learningRate, momentum, weightDecay) { }

    public Sgd(IEnumerable<ParameterGroup> groups, float learningRate, float momentum = 0f, float weightDecay = 0f)
        : base(groups, learningRate, weightDecay)
    {
        if (!(momentum >= 0f)) throw new ArgumentException($"Sgd: momentum must be ≥ 0, got {momentum}");
        Momentum = momentum;
    }

    protected override void Update(Tensor p, Tensor grad, float learningRate, float weightDecay)
    {
        Tensor g = grad;
        if (weightDecay != 0f)
        {
            // The gradient itself stays as backward left it; the decayed copy lives in a reused buffer.
            if (!decayed.TryGetValue(p, out Tensor? buffer)) decayed[p] = buffer = Tensor.ZerosLike(p);
            g = buffer.CopyFrom(grad).AddInPlace(p, weightDecay);
        }
        if (Momentum != 0f)
        {
            if (velocity.TryGetValue(p, out Tensor? v)) v.MulInPlace(Momentum).AddInPlace(g);
            else velocity[p] = v = Tensor.ZerosLike(p).CopyFrom(g);
            g = v;
        }
        p.AddInPlace(g, -learningRate);
    }

    protected override IReadOnlyList<string> StateNames => ["momentum_buffer"];

    protected override IEnumerable<(string, Tensor)> StateOf(Tensor p) =>
        velocity.TryGetValue(p, out Tensor? v) ? [("momentum_buffer", v)] : [];

    protected override void RestoreState(Tensor p, string name, Tensor value) =>
        velocity[p] = Tensor.ZerosLike(p).CopyFrom(value);
}
