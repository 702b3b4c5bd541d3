using Nabla.Kernels;
using Nabla.Tensors;

namespace Nabla.Optim;

/// <summary>
/// Adam (Kingma and Ba 2015): a step per parameter scaled by running estimates of the gradient's first and
/// second moments, corrected for their start at zero.
/// <code>
/// m = β₁ · m + (1 − β₁) · g               (a lerp towards g)
/// v = β₂ · v + (1 − β₂) · g²
/// p = p − lr / (1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
/// </code>
/// Weight decay here is L2 (added to g); <see cref="AdamW"/> decouples it.
/// </summary>
public class Adam : Optimizer
{
    private sealed class Moments(Tensor p)
    {
        public readonly Tensor First = Tensor.ZerosLike(p), Second = Tensor.ZerosLike(p);
    }

    private readonly Dictionary<Tensor, Moments> moments = new(ReferenceEqualityComparer.Instance);

    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Eps { get; }

    /// <summary>True for AdamW: weight decay shrinks the parameter directly instead of joining the gradient.</summary>
    protected virtual bool DecoupledWeightDecay => false;

    public Adam(IEnumerable<Tensor> parameters, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 0f)
        : this(OneGroup(parameters), learningRate, beta1, beta2, eps, weightDecay) { }

    public Adam(IEnumerable<ParameterGroup> groups, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 0f)
        : base(groups, learningRate, weightDecay)
    {
        if (!(beta1 >= 0f && beta1 < 1f) || !(beta2 >= 0f && beta2 < 1f))
            throw new ArgumentException($"{GetType().Name}: betas must be in [0, 1), got ({beta1}, {beta2})");
        if (!(eps >= 0f)) throw new ArgumentException($"{GetType().Name}: eps must be ≥ 0, got {eps}");
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
    }

    protected override void Update(Tensor p, Tensor grad, float learningRate, float weightDecay)
    {
        Moments state = MomentsOf(p);
        double biasCorrection1 = 1 - Math.Pow(Beta1, StepCount), biasCorrection2 = 1 - Math.Pow(Beta2, StepCount);
        // One sweep over memory for the whole update (AdamKernel), the same arithmetic as the steps written out.
        AdamKernel.Step(p.Span, grad.Span, state.First.Span, state.Second.Span,
            new AdamKernel.Hyper(learningRate, weightDecay, DecoupledWeightDecay, Beta1, Beta2, Eps, biasCorrection1, biasCorrection2));
    }

    private Moments MomentsOf(Tensor p)
    {
        if (!moments.TryGetValue(p, out Moments? m)) moments[p] = m = new Moments(p);
        return m;
    }

    protected override IReadOnlyList<string> StateNames => ["exp_avg", "exp_avg_sq"];

    protected override IEnumerable<(string, Tensor)> StateOf(Tensor p) =>
        moments.TryGetValue(p, out Moments? m) ? [("exp_avg", m.First), ("exp_avg_sq", m.Second)] : [];

    protected override void RestoreState(Tensor p, string name, Tensor value)
    {
        Moments m = MomentsOf(p);
        (name == "exp_avg" ? m.First : m.Second).CopyFrom(value);
    }
}

/// <summary>
/// Adam with decoupled weight decay (Loshchilov and Hutter 2019): p = p · (1 − lr · wd) before the Adam step,
/// so decay does not pass through the moment estimates. PyTorch's default decay of 0.01.
/// </summary>
public sealed class AdamW : Adam
{
    protected override bool DecoupledWeightDecay => true;

    public AdamW(IEnumerable<Tensor> parameters, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 0.01f)
        : base(parameters, learningRate, beta1, beta2, eps, weightDecay) { }

    public AdamW(IEnumerable<ParameterGroup> groups, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 0.01f)
        : base(groups, learningRate, beta1, beta2, eps, weightDecay) { }
}
