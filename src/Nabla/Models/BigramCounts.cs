using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>
/// The bigram language model by counting (makemore, lecture 1). N[a, b] counts how often character b follows
/// character a over every item with its start and stop token (". e m m a ." gives .e em mm ma a.); the model's
/// prediction after a is row a of
/// <code>
/// P = (N + smoothing) / (N + smoothing).sum(1, keepdim=True)
/// </code>
/// Smoothing (Laplace's "add one") gives every bigram a little mass, so nothing is impossible and the loss is finite
/// on bigrams never seen. On names.txt the 228,146 bigrams have an average negative log likelihood of 2.4546 with
/// +1 smoothing and 2.4540 without: the maximum-likelihood model, and the floor that the neural bigram approaches.
/// </summary>
/// <remarks>
/// It is a <see cref="CharModel"/> with block size 1 whose logits are log P: softmax(log P) = P, so cross-entropy
/// of these logits is the NLL, and sampling, evaluation and checkpoints work as for every other model. The counts
/// are a buffer (saved, not trained); <see cref="Fit"/> is the whole training.
/// </remarks>
public sealed class BigramCounts : CharModel, ICountingModel
{
    /// <summary>N [V, V] as float32 (exact: every count is far below 2²⁴). Row a, column b: how often b followed a.</summary>
    public Tensor Counts { get; }

    /// <summary>The fake count added to every bigram before normalizing (1 in the lecture).</summary>
    public float Smoothing { get; }

    public override bool PredictsEveryPosition => false;

    public BigramCounts(int vocabularySize, float smoothing = 1f) : base(vocabularySize, blockSize: 1)
    {
        if (!(smoothing >= 0f) || float.IsInfinity(smoothing))
            throw new ArgumentException($"BigramCounts: smoothing must be finite and ≥ 0, got {smoothing}");
        Smoothing = smoothing;
        Counts = Buffer("counts", Tensor.Zeros(vocabularySize, vocabularySize));
    }

    /// <summary>Counts the bigrams (context token, next token) of the examples; replaces the previous counts.</summary>
    public void Fit(Tensor contexts, Tensor targets)
    {
        (int[] previous, int[] next) = Bigrams(contexts, targets, "Fit");
        int v = VocabularySize;
        var counts = new float[v * v];
        for (int i = 0; i < previous.Length; i++) counts[previous[i] * v + next[i]] += 1f;
        using (Tensor.NoGrad()) Counts.CopyFrom(Tensor.FromArray(counts, v, v));
    }

    /// <summary>P [V, V]: each row of the smoothed counts divided by its sum.</summary>
    public Tensor Probabilities()
    {
        Tensor smoothed = Counts + Smoothing;
        return smoothed / smoothed.Sum(1, keepDim: true);
    }

    /// <summary>X [B, 1] int32 → log P[X] [B, V]: the log-probabilities of the next character, used as logits.</summary>
    public override Tensor Forward(Tensor x)
    {
        if (x.Rank != 2 || x.Size(1) != 1)
            throw new ArgumentException($"BigramCounts: input must be [B, 1] token ids, got {Shapes.Format(x.Shape)}");
        return Probabilities().Log()[x.Reshape(x.Size(0))];
    }

    /// <summary>
    /// The average negative log likelihood of the examples, −(1/N) Σ log P[a, b], computed in double from the
    /// counts (the number the lecture reports, free of float32 rounding in the sum).
    /// </summary>
    public double ExactNegativeLogLikelihood(Tensor contexts, Tensor targets)
    {
        (int[] previous, int[] next) = Bigrams(contexts, targets, "ExactNegativeLogLikelihood");
        int v = VocabularySize;
        float[] n = Counts.ToArray();
        var rowSums = new double[v];
        for (int a = 0; a < v; a++)
            for (int b = 0; b < v; b++) rowSums[a] += n[a * v + b] + (double)Smoothing;
        double logLikelihood = 0;
        for (int i = 0; i < previous.Length; i++)
        {
            int a = previous[i], b = next[i];
            logLikelihood += Math.Log((n[a * v + b] + (double)Smoothing) / rowSums[a]);
        }
        return -logLikelihood / previous.Length;
    }

    private (int[] Previous, int[] Next) Bigrams(Tensor contexts, Tensor targets, string op)
    {
        if (contexts.DType != DType.Int32 || targets.DType != DType.Int32 || contexts.Rank != 2 || contexts.Size(1) != 1
            || targets.Rank != 1 || targets.Size(0) != contexts.Size(0))
            throw new ArgumentException(
                $"BigramCounts.{op}: expects int32 contexts [N, 1] and targets [N], got {contexts.DType} {Shapes.Format(contexts.Shape)} and {targets.DType} {Shapes.Format(targets.Shape)}");
        if (targets.Size(0) == 0) throw new ArgumentException($"BigramCounts.{op}: no examples");
        int[] previous = contexts.ToIntArray(), next = targets.ToIntArray();
        for (int i = 0; i < previous.Length; i++)
            if ((uint)previous[i] >= (uint)VocabularySize || (uint)next[i] >= (uint)VocabularySize)
                throw new IndexOutOfRangeException(
                    $"BigramCounts.{op}: example {i} ({previous[i]} → {next[i]}) has a token outside the vocabulary of {VocabularySize}");
        return (previous, next);
    }
}
