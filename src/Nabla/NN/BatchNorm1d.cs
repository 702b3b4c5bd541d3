using Nabla.Tensors;

namespace Nabla.NN;

/// <summary>
/// Batch normalization (Ioffe and Szegedy 2015): in training, each feature is normalized with the mean and
/// (biased) variance of the batch, and running estimates are kept for evaluation, updated as
/// running = (1 − momentum) · running + momentum · batch with the unbiased variance, as PyTorch does.
/// Features are the last dimension: (B, C), or (B, T, C) normalized over B and T together, as the makemore
/// lectures' BatchNorm1d (PyTorch's own takes (B, C, T); the statistics are the same).
/// </summary>
public sealed class BatchNorm1d : Module<Tensor, Tensor>
{
    public Tensor Weight { get; }
    public Tensor Bias { get; }
    public Tensor RunningMean { get; }
    public Tensor RunningVar { get; }
    public float Eps { get; }
    public float Momentum { get; }

    public BatchNorm1d(int features, float eps = 1e-5f, float momentum = 0.1f)
    {
        if (features <= 0) throw new ArgumentException($"BatchNorm1d: features must be positive, got {features}");
        Eps = eps;
        Momentum = momentum;
        Weight = Parameter("weight", Tensor.Ones(features));
        Bias = Parameter("bias", Tensor.Zeros(features));
        RunningMean = Buffer("running_mean", Tensor.Zeros(features));
        RunningVar = Buffer("running_var", Tensor.Ones(features));
    }

    public override Tensor Forward(Tensor x)
    {
        int features = Weight.Count;
        if (x.Rank is not (2 or 3) || x.Size(-1) != features)
            throw new ArgumentException($"BatchNorm1d({features}): input must be (B, {features}) or (B, T, {features}), got {Shapes.Format(x.Shape)}");
        int[] dims = x.Rank == 2 ? [0] : [0, 1];
        Tensor mean, variance;
        if (IsTraining)
        {
            int n = x.Count / features;
            if (n < 2) throw new ArgumentException($"BatchNorm1d: training needs more than one value per feature, got {Shapes.Format(x.Shape)}");
            mean = x.Mean(dims);                               // (C)
            variance = x.Var(dims, correction: 0);             // (C), biased: what normalizes this batch
            using (Tensor.NoGrad())
            {
                RunningMean.LerpInPlace(mean, Momentum);
                RunningVar.LerpInPlace(variance * (n / (n - 1f)), Momentum);
            }
        }
        else
        {
            mean = RunningMean;
            variance = RunningVar;
        }
        Tensor xhat = (x - mean) / (variance + Eps).Sqrt(); // (B, [T,] C)
        return xhat * Weight + Bias;
    }
}
