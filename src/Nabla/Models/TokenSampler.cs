using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>
/// Draws the next token from a row of logits: temperature, then top-k, then top-p (nucleus), then one draw from
/// the softmax of what is left. Works on a plain array: a vocabulary row is small, and the arithmetic is in double
/// so that probabilities far below float's resolution still sum correctly.
/// </summary>
public static class TokenSampler
{
    /// <summary>Throws, naming the setting, when <paramref name="options"/> cannot be applied to a vocabulary of <paramref name="vocabSize"/>.</summary>
    public static void Validate(SamplingOptions options, int vocabSize)
    {
        if (!(options.Temperature >= 0f && float.IsFinite(options.Temperature)))
            throw new ArgumentException($"sampling: temperature must be ≥ 0 and finite, got {options.Temperature}");
        if (options.TopK is int k && (k < 1 || k > vocabSize))
            throw new ArgumentException($"sampling: top-k must be in [1, {vocabSize}], got {k}");
        if (options.TopP is float p && !(p > 0f && p <= 1f))
            throw new ArgumentException($"sampling: top-p must be in (0, 1], got {p}");
        if (options.StopToken is int stop && (uint)stop >= (uint)vocabSize)
            throw new ArgumentException($"sampling: stop token {stop} is outside the vocabulary [0, {vocabSize})");
    }

    public static int Pick(ReadOnlySpan<float> logits, SamplingOptions options, Generator generator)
    {
        if (options.Temperature == 0f) return ArgMax(logits);
        int V = logits.Length;
        var weights = new double[V];
        double max = double.NegativeInfinity;
        for (int i = 0; i < V; i++) max = Math.Max(max, logits[i]);
        double threshold = double.NegativeInfinity;
        if (options.TopK is int k && k < V)
        {
            // The k-th largest logit; ties with it stay in, as nanoGPT's `logits < v[:, [-1]]`.
            float[] sorted = logits.ToArray();
            Array.Sort(sorted, (a, b) => b.CompareTo(a));
            threshold = sorted[k - 1];
        }
        for (int i = 0; i < V; i++)
            weights[i] = logits[i] < threshold ? 0.0 : Math.Exp((logits[i] - max) / options.Temperature);

        if (options.TopP is float p && p < 1f) KeepNucleus(weights, p);

        double total = 0;
        foreach (double w in weights) total += w;
        double u = generator.NextDouble() * total;
        int last = 0;
        for (int i = 0; i < V; i++)
        {
            if (weights[i] == 0.0) continue;
            last = i;
            u -= weights[i];
            if (u < 0) return i;
        }
        return last;   // rounding left u a hair above 0: the last token with any weight
    }

    /// <summary>Zeroes every weight outside the smallest set of most likely tokens whose probability reaches <paramref name="p"/>.</summary>
    private static void KeepNucleus(double[] weights, float p)
    {
        double total = 0;
        foreach (double w in weights) total += w;
        int[] order = Enumerable.Range(0, weights.Length).OrderByDescending(i => weights[i]).ToArray();
        double cumulative = 0;
        int kept = 0;
        while (kept < order.Length && cumulative < p * total) cumulative += weights[order[kept++]];
        for (int j = Math.Max(kept, 1); j < order.Length; j++) weights[order[j]] = 0.0;
    }

    private static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
            if (logits[i] > logits[best]) best = i;
        return best;
    }
}
