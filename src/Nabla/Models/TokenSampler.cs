using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>
/// Draws the next token from a row of logits: temperature, then top-k, then top-p (nucleus), then one draw from
/// the softmax of what is left. Works on a plain array: a vocabulary row is small, and the arithmetic is in double
/// so that probabilities far below float's resolution still sum correctly. Its buffers are kept from call to
/// call, so drawing a token allocates nothing.
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
        Span<double> weights = Scratch(ref weightsScratch, V);
        double max = double.NegativeInfinity;
        for (int i = 0; i < V; i++) max = Math.Max(max, logits[i]);
        double threshold = double.NegativeInfinity;
        if (options.TopK is int k && k < V)
        {
            // The k-th largest logit; ties with it stay in, as nanoGPT's `logits < v[:, [-1]]`.
            Span<float> sorted = Scratch(ref sortScratch, V);
            logits.CopyTo(sorted);
            sorted.Sort();
            threshold = sorted[V - k];
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
    private static void KeepNucleus(Span<double> weights, float p)
    {
        double total = 0;
        foreach (double w in weights) total += w;
        // Most likely first; equal weights in token order (the order LINQ's stable OrderByDescending gives).
        Span<int> order = Scratch(ref orderScratch, weights.Length);
        Span<double> keys = Scratch(ref keyScratch, weights.Length);
        for (int i = 0; i < order.Length; i++) { order[i] = i; keys[i] = -weights[i]; }
        keys.Sort(order);
        for (int start = 0, end; start < keys.Length; start = end)
        {
            for (end = start + 1; end < keys.Length && keys[end] == keys[start]; end++) { }
            if (end - start > 1) order[start..end].Sort();
        }
        double cumulative = 0;
        int kept = 0;
        while (kept < order.Length && cumulative < p * total) cumulative += weights[order[kept++]];
        for (int j = Math.Max(kept, 1); j < order.Length; j++) weights[order[j]] = 0.0;
    }

    // Buffers reused from token to token, so that sampling allocates nothing per token (one set per thread).
    [ThreadStatic] private static double[]? weightsScratch, keyScratch;
    [ThreadStatic] private static float[]? sortScratch;
    [ThreadStatic] private static int[]? orderScratch;

    private static Span<T> Scratch<T>(ref T[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length) buffer = new T[length];
        return buffer.AsSpan(0, length);
    }

    private static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
            if (logits[i] > logits[best]) best = i;
        return best;
    }
}
