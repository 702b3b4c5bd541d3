using Nabla.Kernels;
using static Nabla.Tests.Kernels.FusedKernelOracle;
using static TorchSharp.torch;
using TT = TorchSharp.torch.Tensor;

namespace Nabla.Tests.Kernels;

/// <summary>
/// The fused attention kernel against libtorch's scaled_dot_product_attention: forward, the saved
/// log-sum-exp, and the three gradients (added to what the buffers held), at head sizes 16, 32 and 64,
/// lengths that are and are not multiples of the query and key blocks, causal or not, and the cached
/// case of fewer queries than keys against an explicit mask; with dropout, against the explicit form in libtorch
/// (softmax, times the kernel's own mask, times v).
/// </summary>
public class AttentionTests
{
    /// <summary>(heads, queries, keys, head size, causal).</summary>
    public static TheoryData<int, int, int, int, bool> Shapes => new()
    {
        { 1, 1, 1, 16, true },
        { 6, 37, 37, 16, true },      // one short query block, one short key block
        { 4, 64, 64, 32, true },      // nanoGPT shakespeare-char's block
        { 3, 100, 100, 64, true },    // neither a multiple of 32 nor of 64
        { 2, 129, 129, 32, true },    // three key blocks, the last of one key
        { 2, 45, 45, 32, false },
        { 3, 33, 97, 16, false },     // more keys than queries, no mask
        { 4, 7, 70, 32, true },       // the last 7 positions with a cache of 63 before them
        { 6, 1, 130, 64, true },      // one generated token against a cache
        { 2, 40, 41, 64, true },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ForwardAndBackwardMatchLibtorch(int heads, int queries, int keys, int headSize, bool causal)
    {
        var data = new Problem(heads, queries, keys, headSize, causal, seed: heads * 1000 + queries * 7 + keys);
        var (o, lse) = data.Forward((q, k, v, o, l) => AttentionKernel.Forward(q, k, v, o, l, heads, queries, keys, headSize, causal, data.Scale));
        var (dq, dk, dv) = data.Backward(o, lse, (dO, dq, dk, dv) => AttentionKernel.Backward(
            data.Q, data.K, data.V, o, lse, dO, dq, dk, dv, heads, queries, keys, headSize, causal, data.Scale));
        data.AssertMatchesLibtorch(o, lse, dq, dk, dv, "dispatch");
    }

    /// <summary>(heads, queries, keys, head size, causal, dropout p).</summary>
    public static TheoryData<int, int, int, int, bool, float> DropoutShapes => new()
    {
        { 4, 64, 64, 32, true, 0.2f },     // nanoGPT's baby GPT drops 0.2
        { 3, 100, 100, 64, true, 0.5f },
        { 2, 129, 129, 16, true, 0.1f },
        { 2, 45, 45, 32, false, 0.3f },
        { 4, 7, 70, 32, true, 0.2f },      // fewer queries than keys
    };

    [Theory]
    [MemberData(nameof(DropoutShapes))]
    public void DropoutMatchesLibtorchWithTheSameMask(int heads, int queries, int keys, int headSize, bool causal, float p)
    {
        var dropout = new AttentionDropout(p, Seed: (ulong)(heads * 31 + queries));
        var data = new Problem(heads, queries, keys, headSize, causal, seed: heads * 1000 + queries * 7 + keys, dropout);
        var (o, lse) = data.Forward((q, k, v, o, l) => AttentionKernel.Forward(q, k, v, o, l, heads, queries, keys, headSize, causal, data.Scale, dropout));
        var (dq, dk, dv) = data.Backward(o, lse, (dO, dq, dk, dv) => AttentionKernel.Backward(
            data.Q, data.K, data.V, o, lse, dO, dq, dk, dv, heads, queries, keys, headSize, causal, data.Scale, dropout));
        data.AssertMatchesLibtorch(o, lse, dq, dk, dv, "dispatch");
        foreach (var (name, forward, backward) in Widths())
        {
            var (o2, lse2) = data.Forward((q, k, v, o, l) => forward(q, k, v, o, l, heads, queries, keys, headSize, causal, data.Scale, dropout));
            var (dq2, dk2, dv2) = data.Backward(o2, lse2, (dO, dq, dk, dv) => backward(
                data.Q, data.K, data.V, o2, lse2, dO, dq, dk, dv, heads, queries, keys, headSize, causal, data.Scale, dropout));
            data.AssertMatchesLibtorch(o2, lse2, dq2, dk2, dv2, name);
        }
    }

    [Fact]
    public void TheDropoutMaskDropsAFractionPAndDependsOnlyOnSeedAndPosition()
    {
        foreach (float p in new[] { 0.1f, 0.2f, 0.5f })
        {
            var dropout = new AttentionDropout(p, Seed: 77);
            int dropped = 0, total = 0;
            for (int h = 0; h < 8; h++)
                for (int i = 0; i < 128; i++)
                    for (int j = 0; j < 128; j++, total++)
                    {
                        float f = dropout.Factor(h, i, j, 128);
                        if (f == 0f) dropped++;
                        else Assert.Equal(1f / (1f - p), f);
                    }
            // 131,072 draws: the standard deviation of the fraction is below 0.0014.
            Assert.InRange(dropped / (double)total, p - 0.006, p + 0.006);
        }
        var a = new AttentionDropout(0.5f, Seed: 1);
        var b = new AttentionDropout(0.5f, Seed: 2);
        int differ = 0;
        for (int j = 0; j < 1000; j++) if (a.Factor(0, 0, j, 1) != b.Factor(0, 0, j, 1)) differ++;
        Assert.InRange(differ, 400, 600);   // another seed, another mask
        Assert.Equal(1f, AttentionDropout.None.Factor(3, 4, 5, 10));
        Assert.Contains("attention dropout must be in [0, 1), got 1", Assert.Throws<ArgumentException>(() =>
            AttentionKernel.Forward(new float[4], new float[4], new float[4], new float[4], new float[1], 1, 1, 1, 4, true, 0.5f, new AttentionDropout(1f, 0))).Message);
    }

    [Fact]
    public void EveryLaneWidthGivesTheSameAttention()
    {
        // Head size 40 (two registers of 16 and a tail of 8; five of 8) and 70 keys: every tail of every width;
        // 67 queries: the last block of 3 takes the scores as dot products of rows.
        const int heads = 2, queries = 67, keys = 70, headSize = 40;
        var data = new Problem(heads, queries, keys, headSize, causal: true, seed: 5);
        foreach (var (name, forward, backward) in Widths())
        {
            var (o, lse) = data.Forward((q, k, v, o, l) => forward(q, k, v, o, l, heads, queries, keys, headSize, true, data.Scale));
            var (dq, dk, dv) = data.Backward(o, lse, (dO, dq, dk, dv) => backward(
                data.Q, data.K, data.V, o, lse, dO, dq, dk, dv, heads, queries, keys, headSize, true, data.Scale));
            data.AssertMatchesLibtorch(o, lse, dq, dk, dv, name);
        }
    }

    private delegate void ForwardKernel(float[] q, float[] k, float[] v, float[] o, float[] lse,
        int heads, int queries, int keys, int headSize, bool causal, float scale, AttentionDropout dropout = default);

    private delegate void BackwardKernel(float[] q, float[] k, float[] v, float[] o, float[] lse, float[] dO,
        float[] dq, float[] dk, float[] dv, int heads, int queries, int keys, int headSize, bool causal, float scale, AttentionDropout dropout = default);

    private static IEnumerable<(string, ForwardKernel, BackwardKernel)> Widths()
    {
        yield return ("Lanes512", AttentionKernel.ForwardWith<Lanes512>, AttentionKernel.BackwardWith<Lanes512>);
        yield return ("Lanes256", AttentionKernel.ForwardWith<Lanes256>, AttentionKernel.BackwardWith<Lanes256>);
        yield return ("Lanes128", AttentionKernel.ForwardWith<Lanes128>, AttentionKernel.BackwardWith<Lanes128>);
        yield return ("Lanes1", AttentionKernel.ForwardWith<Lanes1>, AttentionKernel.BackwardWith<Lanes1>);
    }

    [Fact]
    public void ResultsDoNotDependOnTheThreadCount()
    {
        const int heads = 5, queries = 90, keys = 90, headSize = 32;
        var data = new Problem(heads, queries, keys, headSize, causal: true, seed: 9);
        float[][] Run()
        {
            var (o, lse) = data.Forward((q, k, v, o, l) => AttentionKernel.Forward(q, k, v, o, l, heads, queries, keys, headSize, true, data.Scale));
            var (dq, dk, dv) = data.Backward(o, lse, (dO, dq, dk, dv) => AttentionKernel.Backward(
                data.Q, data.K, data.V, o, lse, dO, dq, dk, dv, heads, queries, keys, headSize, true, data.Scale));
            return [o, lse, dq, dk, dv];
        }
        float[][] many = Run();
        int threads = ParallelFor.MaxThreads;
        try
        {
            ParallelFor.MaxThreads = 1;
            float[][] one = Run();
            for (int i = 0; i < many.Length; i++) Assert.Equal(many[i], one[i]);
        }
        finally
        {
            ParallelFor.MaxThreads = threads;
        }
    }

    [Fact]
    public void WrongSizesAreNamed()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            AttentionKernel.Forward(new float[2 * 3 * 4], new float[10], new float[2 * 3 * 4], new float[2 * 3 * 4], new float[6], 2, 3, 3, 4, true, 0.5f));
        Assert.Contains("AttentionKernel.Forward: k has 10 elements, needs at least 24", ex.Message);
        ex = Assert.Throws<ArgumentException>(() =>
            AttentionKernel.Forward(new float[8], new float[4], new float[4], new float[8], new float[2], 1, 2, 1, 4, true, 0.5f));
        Assert.Contains("causal attention needs queries ≤ keys", ex.Message);
    }

    /// <summary>Random q, k, v, an output gradient and prior gradient contents, and libtorch's answers.</summary>
    private sealed class Problem(int heads, int queries, int keys, int headSize, bool causal, int seed, AttentionDropout dropout = default)
    {
        // q is scaled up so that rows are peaked and later key blocks often raise the running max.
        public readonly float[] Q = Normal(heads * queries * headSize, seed, scale: 2f);
        public readonly float[] K = Normal(heads * keys * headSize, seed + 1);
        public readonly float[] V = Normal(heads * keys * headSize, seed + 2);
        private readonly float[] dO = Normal(heads * queries * headSize, seed + 3);
        private readonly float[] priorQ = Normal(heads * queries * headSize, seed + 4);
        private readonly float[] priorK = Normal(heads * keys * headSize, seed + 5);
        private readonly float[] priorV = Normal(heads * keys * headSize, seed + 6);
        public float Scale => 1f / MathF.Sqrt(headSize);

        public (float[] O, float[] Lse) Forward(Action<float[], float[], float[], float[], float[]> kernel)
        {
            var o = new float[Q.Length];
            var lse = new float[heads * queries];
            kernel(Q, K, V, o, lse);
            return (o, lse);
        }

        public (float[], float[], float[]) Backward(float[] o, float[] lse, Action<float[], float[], float[], float[]> kernel)
        {
            float[] dq = (float[])priorQ.Clone(), dk = (float[])priorK.Clone(), dv = (float[])priorV.Clone();
            kernel(dO, dq, dk, dv);
            return (dq, dk, dv);
        }

        public void AssertMatchesLibtorch(float[] o, float[] lse, float[] dq, float[] dk, float[] dv, string how)
        {
            using var scope = NewDisposeScope();
            TT q = TorchLeaf(Q, heads, queries, headSize), k = TorchLeaf(K, heads, keys, headSize), v = TorchLeaf(V, heads, keys, headSize);
            TT y;
            if (dropout.Active)
            {
                // The explicit form with the kernel's mask: softmax, then the probabilities times Z, then v.
                var z = new float[heads * queries * keys];
                for (int h = 0; h < heads; h++)
                    for (int i = 0; i < queries; i++)
                        for (int j = 0; j < keys; j++) z[(h * queries + i) * keys + j] = dropout.Factor(h, i, j, queries);
                y = matmul(MaskedScores(q, k).softmax(2) * Torch(z, heads, queries, keys), v);
            }
            else if (causal && queries < keys)
            {
                // The queries are the last positions: query i sees keys up to i + keys − queries.
                TT mask = ones(queries, keys, ScalarType.Bool).tril(keys - queries);
                y = nn.functional.scaled_dot_product_attention(q, k, v, mask);
            }
            else
            {
                // (q, k, v, attn_mask, dropout p, is_causal), positionally: TorchSharp 0.107 spells the last one is_casual.
                y = nn.functional.scaled_dot_product_attention(q, k, v, null, 0.0, causal);
            }
            y.backward([Torch(dO, heads, queries, headSize)]);
            string what = $"[{heads}, {queries}, {keys}, {headSize}] causal {causal}, dropout {dropout.P}, {how}";
            Close(Values(y), o, 2e-6f, 1e-5f, $"o {what}");
            Close(Values(ScoresLogSumExp(q, k)), lse, 2e-6f, 1e-6f, $"lse {what}");
            Close(Plus(priorQ, Values(q.grad!)), dq, 1e-5f, 1e-5f, $"dq {what}");
            Close(Plus(priorK, Values(k.grad!)), dk, 1e-5f, 1e-5f, $"dk {what}");
            Close(Plus(priorV, Values(v.grad!)), dv, 1e-5f, 1e-5f, $"dv {what}");
        }

        private TT ScoresLogSumExp(TT q, TT k) => MaskedScores(q.detach(), k.detach()).logsumexp(2);

        private TT MaskedScores(TT q, TT k)
        {
            TT scores = matmul(q, k.transpose(1, 2)) * Scale;
            return causal ? scores.masked_fill(ones(queries, keys, ScalarType.Bool).triu(keys - queries + 1), float.NegativeInfinity) : scores;
        }
    }
}
