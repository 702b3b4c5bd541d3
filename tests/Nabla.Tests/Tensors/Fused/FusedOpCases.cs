using Nabla.Tensors;
using TorchSharp;
using TorchSharp.Modules;
using TT = TorchSharp.torch.Tensor;

namespace Nabla.Tests.Tensors.Fused;

/// <summary>
/// The operations built on the fused kernels (and the index operations beside them), each written in
/// Nabla and in libtorch, for the shared gradient check and parity tests. Shapes have odd sizes, and
/// each operation also runs on a non-contiguous (transposed) input.
/// </summary>
public static class FusedOpCases
{
    private static Tensor Normal(Generator g, params int[] shape) => Tensor.Randn(shape, g).RequireGrad();
    private static Tensor Scaled(Generator g, float scale, params int[] shape) => (Tensor.Randn(shape, g) * scale).Detach().RequireGrad();
    private static Tensor Ints(params int[] values) => Tensor.FromArray(values, values.Length);

    /// <summary>Distinct values (a shuffled grid 0.1 apart) so top-k never meets a tie within ε.</summary>
    private static Tensor Distinct(Generator g, params int[] shape)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        float[] v = Enumerable.Range(0, n).Select(i => (i - n / 2) * 0.1f).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int j = g.NextInt(0, i + 1);
            (v[i], v[j]) = (v[j], v[i]);
        }
        return Tensor.FromArray(v, shape).RequireGrad();
    }

    private static readonly long[] C5 = [5], C7 = [7];

    public static readonly OpCase[] All =
    [
        // ---- softmax and log-softmax ----
        new("softmax last dim", g => [Scaled(g, 2f, 3, 7)], x => x[0].Softmax(-1), x => x[0].softmax(-1)),
        new("softmax dim 0", g => [Normal(g, 4, 3)], x => x[0].Softmax(0), x => x[0].softmax(0)),
        new("softmax middle dim of 3-D", g => [Normal(g, 2, 5, 3)], x => x[0].Softmax(1), x => x[0].softmax(1)),
        new("softmax of a transposed view", g => [Normal(g, 5, 3)], x => x[0].T.Softmax(-1), x => x[0].t().softmax(-1)),
        new("log-softmax last dim", g => [Scaled(g, 3f, 4, 9)], x => x[0].LogSoftmax(-1), x => x[0].log_softmax(-1)),
        new("log-softmax dim 0", g => [Normal(g, 5, 2)], x => x[0].LogSoftmax(0), x => x[0].log_softmax(0)),

        // ---- cross-entropy (targets are int32 inputs without gradient) ----
        new("cross-entropy", g => [Scaled(g, 2f, 6, 5), Ints(4, 0, 2, 2, 1, 3)],
            x => x[0].CrossEntropy(x[1]), x => torch.nn.functional.cross_entropy(x[0], x[1])),
        new("cross-entropy with ignored rows", g => [Normal(g, 5, 7), Ints(6, -100, 0, -100, 3)],
            x => x[0].CrossEntropy(x[1]), x => torch.nn.functional.cross_entropy(x[0], x[1], ignore_index: -100)),
        new("cross-entropy custom ignore index", g => [Normal(g, 4, 3), Ints(1, 2, 2, 0)],
            x => x[0].CrossEntropy(x[1], ignoreIndex: 2), x => torch.nn.functional.cross_entropy(x[0], x[1], ignore_index: 2)),
        new("cross-entropy of transposed logits", g => [Normal(g, 5, 4), Ints(0, 4, 1, 3)],
            x => x[0].T.CrossEntropy(x[1]), x => torch.nn.functional.cross_entropy(x[0].t(), x[1])),
        new("cross-entropy of one example", g => [Normal(g, 6), Tensor.FromArray([3], []).Reshape()],
            x => x[0].CrossEntropy(x[1]), x => torch.nn.functional.cross_entropy(x[0], x[1])),

        // ---- layer norm ----
        new("layer norm", g => [Normal(g, 3, 5), Normal(g, 5), Normal(g, 5)],
            x => Tensor.LayerNorm(x[0], x[1], x[2]), x => torch.nn.functional.layer_norm(x[0], C5, x[1], x[2])),
        new("layer norm 3-D", g => [Scaled(g, 3f, 2, 3, 7), Normal(g, 7), Normal(g, 7)],
            x => Tensor.LayerNorm(x[0], x[1], x[2], 1e-3f), x => torch.nn.functional.layer_norm(x[0], C7, x[1], x[2], 1e-3)),
        new("layer norm without affine", g => [Normal(g, 4, 5)],
            x => Tensor.LayerNorm(x[0], null, null), x => torch.nn.functional.layer_norm(x[0], C5)),
        new("layer norm of a transposed view", g => [Normal(g, 5, 3), Normal(g, 5), Normal(g, 5)],
            x => Tensor.LayerNorm(x[0].T, x[1], x[2]), x => torch.nn.functional.layer_norm(x[0].t(), C5, x[1], x[2])),

        // ---- GELU ----
        new("gelu exact", g => [Scaled(g, 2f, 3, 7)], x => x[0].Gelu(), x => torch.nn.functional.gelu(x[0])),
        new("gelu tanh", g => [Scaled(g, 2f, 3, 7)], x => x[0].Gelu(GeluApproximation.Tanh),
            x => torch.nn.functional.gelu(x[0], GELU.Approximate.tanh)),
        new("gelu of a transposed view", g => [Normal(g, 4, 3)], x => x[0].T.Gelu(), x => torch.nn.functional.gelu(x[0].t())),

        // ---- index select, embedding, top-k ----
        new("index select rows with repeats", g => [Normal(g, 5, 3), Ints(4, 0, 4, 2)],
            x => x[0].IndexSelect(0, x[1]), x => x[0].index_select(0, x[1])),
        new("index select middle dim", g => [Normal(g, 2, 5, 3), Ints(1, 1, 3)],
            x => x[0].IndexSelect(1, x[1]), x => x[0].index_select(1, x[1])),
        new("index select last dim of a view", g => [Normal(g, 4, 3), Ints(3, 0)],
            x => x[0].T.IndexSelect(-1, x[1]), x => x[0].t().index_select(1, x[1])),
        new("embedding", g => [Tensor.FromArray([1, 5, 1, 0, 2, 5], 2, 3), Normal(g, 6, 4)],
            x => Tensor.Embedding(x[0], x[1]), x => x[1].index_select(0, x[0].flatten()).reshape(2, 3, 4)),
        new("top-k largest", g => [Distinct(g, 3, 8)], x => x[0].TopK(3).Values, x => x[0].topk(3, 1, true, true).Item1),
        new("top-k of long rows (selection path)", g => [Distinct(g, 2, 40)], x => x[0].TopK(4).Values,
            x => x[0].topk(4, 1, true, true).Item1),
        new("top-k smallest along dim 0", g => [Distinct(g, 6, 4)], x => x[0].TopK(2, 0, largest: false).Values,
            x => x[0].topk(2, 0, false, true).Item1),
    ];

    public static TheoryData<string> Names()
    {
        var names = new TheoryData<string>();
        foreach (OpCase c in All) names.Add(c.Name);
        return names;
    }

    public static OpCase Get(string name) => All.Single(c => c.Name == name);
}
