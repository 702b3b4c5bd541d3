using Nabla.Tensors;
using TorchSharp;
using TT = TorchSharp.torch.Tensor;

namespace Nabla.Tests.Tensors;

/// <summary>
/// One differentiable computation, written twice: with Nabla and with libtorch. The gradient check and
/// the parity test both run every case, so each operation is covered by both oracles. Inputs are
/// drawn from a seeded generator; a case that needs a domain (positive numbers, values away from a kink,
/// well-separated values for max/min) says so in its inputs.
/// </summary>
public sealed record OpCase(string Name, Func<Generator, Tensor[]> Inputs, Func<Tensor[], Tensor> Nabla, Func<TT[], TT> Torch)
{
    public override string ToString() => Name;
}

public static class OpCases
{
    // ---- input domains ----
    private static Tensor Normal(Generator g, params int[] shape) => Tensor.Randn(shape, g).RequireGrad();

    /// <summary>Uniform in [0.5, 2): for log, sqrt, fractional powers and denominators.</summary>
    private static Tensor Positive(Generator g, params int[] shape) => (Tensor.Rand(shape, g) * 1.5f + 0.5f).Detach().RequireGrad();

    /// <summary>Normal draws pushed at least 0.1 away from <paramref name="kinks"/>, so x ± ε never crosses one.</summary>
    private static Tensor AwayFrom(Generator g, int[] shape, params float[] kinks)
    {
        float[] v = Tensor.Randn(shape, g).ToArray();
        for (int i = 0; i < v.Length; i++)
            foreach (float k in kinks)
                if (MathF.Abs(v[i] - k) < 0.1f) v[i] = k + (v[i] >= k ? 0.1f : -0.1f) + 0.05f * MathF.Sign(v[i] - k + 1e-9f);
        return Tensor.FromArray(v, shape).RequireGrad();
    }

    /// <summary>Several tensors whose values are all distinct by at least 0.05 (a shuffled grid), for max/min.</summary>
    private static Tensor[] Distinct(Generator g, params int[][] shapes)
    {
        int total = shapes.Sum(s => s.Aggregate(1, (a, b) => a * b));
        float[] grid = Enumerable.Range(0, total).Select(i => (i - total / 2) * 0.05f).ToArray();
        for (int i = total - 1; i > 0; i--)
        {
            int j = g.NextInt(0, i + 1);
            (grid[i], grid[j]) = (grid[j], grid[i]);
        }
        var result = new Tensor[shapes.Length];
        for (int k = 0, start = 0; k < shapes.Length; k++)
        {
            int n = shapes[k].Aggregate(1, (a, b) => a * b);
            result[k] = Tensor.FromArray(grid.AsSpan(start, n), shapes[k]).RequireGrad();
            start += n;
        }
        return result;
    }

    private static readonly float[] MaskValues = [1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1];
    private static Tensor NablaMask() => Tensor.FromArray(MaskValues, 3, 4);
    private static TT TorchMask() => torch.tensor(MaskValues, [3, 4]).to(torch.@bool);

    private static long[] L(params int[] v) => v.Select(x => (long)x).ToArray();

    public static readonly OpCase[] All =
    [
        // ---- arithmetic, with broadcasting and scalars on both sides ----
        new("add", g => [Normal(g, 3, 4), Normal(g, 3, 4)], x => x[0] + x[1], x => x[0] + x[1]),
        new("add broadcast", g => [Normal(g, 3, 1), Normal(g, 4)], x => x[0] + x[1], x => x[0] + x[1]),
        new("add scalar both sides", g => [Normal(g, 2, 3)], x => 2f + x[0] + 1.5f, x => 2f + x[0] + 1.5f),
        new("sub broadcast", g => [Normal(g, 2, 3, 4), Normal(g, 3, 1)], x => x[0] - x[1], x => x[0] - x[1]),
        new("sub scalar both sides", g => [Normal(g, 5)], x => 3f - x[0] - 1f, x => 3f - x[0] - 1f),
        new("mul broadcast", g => [Normal(g, 2, 1, 4), Normal(g, 3, 1)], x => x[0] * x[1], x => x[0] * x[1]),
        new("mul scalar both sides", g => [Normal(g, 4)], x => 2f * x[0] * -0.5f, x => 2f * x[0] * -0.5f),
        new("mul same tensor", g => [Normal(g, 4)], x => x[0] * x[0], x => x[0] * x[0]),
        new("div broadcast", g => [Normal(g, 2, 3), Positive(g, 3)], x => x[0] / x[1], x => x[0] / x[1]),
        new("div scalar both sides", g => [Positive(g, 4)], x => 2f / x[0] / 3f, x => 2f / x[0] / 3f),
        new("neg", g => [Normal(g, 3, 2)], x => -x[0], x => -x[0]),
        new("pow 2", g => [Normal(g, 6)], x => x[0].Pow(2f), x => x[0].pow(2)),
        new("pow 3", g => [Normal(g, 6)], x => x[0].Pow(3f), x => x[0].pow(3)),
        new("pow 0.5", g => [Positive(g, 6)], x => x[0].Pow(0.5f), x => x[0].pow(0.5)),
        new("pow tensor broadcast", g => [Positive(g, 2, 3), Normal(g, 3)], x => x[0].Pow(x[1]), x => x[0].pow(x[1])),

        // ---- unary ----
        new("exp", g => [Normal(g, 3, 4)], x => x[0].Exp(), x => x[0].exp()),
        new("log", g => [Positive(g, 3, 4)], x => x[0].Log(), x => x[0].log()),
        new("sqrt", g => [Positive(g, 3, 4)], x => x[0].Sqrt(), x => x[0].sqrt()),
        new("tanh", g => [Normal(g, 3, 4)], x => x[0].Tanh(), x => x[0].tanh()),
        new("sigmoid", g => [Normal(g, 3, 4)], x => x[0].Sigmoid(), x => x[0].sigmoid()),
        new("relu", g => [AwayFrom(g, [3, 4], 0f)], x => x[0].Relu(), x => x[0].relu()),
        new("abs", g => [AwayFrom(g, [3, 4], 0f)], x => x[0].Abs(), x => x[0].abs()),
        new("clamp", g => [AwayFrom(g, [3, 5], -0.5f, 0.5f)], x => x[0].Clamp(-0.5f, 0.5f), x => x[0].clamp(-0.5, 0.5)),
        new("clamp min only", g => [AwayFrom(g, [3, 5], 0.2f)], x => x[0].Clamp(min: 0.2f), x => x[0].clamp_min(0.2)),
        new("maximum broadcast", g => Distinct(g, [2, 3], [3]), x => Tensor.Maximum(x[0], x[1]), x => torch.maximum(x[0], x[1])),
        new("minimum broadcast", g => Distinct(g, [3, 1], [1, 4]), x => Tensor.Minimum(x[0], x[1]), x => torch.minimum(x[0], x[1])),

        // ---- non-contiguous inputs to elementwise ops ----
        new("exp of transpose", g => [Normal(g, 3, 4)], x => x[0].Transpose(0, 1).Exp(), x => x[0].transpose(0, 1).exp()),
        new("add of transposes", g => [Normal(g, 3, 4), Normal(g, 4, 3)], x => x[0].T + x[1], x => x[0].T + x[1]),
        new("mul of strided slices", g => [Normal(g, 4, 6), Normal(g, 2, 3)],
            x => x[0].Slice(0, step: 2).Slice(1, 1, null, 2) * x[1], x => x[0].slice(0, 0, 4, 2).slice(1, 1, 6, 2) * x[1]),

        // ---- reductions ----
        new("sum all", g => [Normal(g, 3, 4)], x => x[0].Sum(), x => x[0].sum()),
        new("sum dim", g => [Normal(g, 2, 3, 4)], x => x[0].Sum(1), x => x[0].sum(1)),
        new("sum dims keepdim", g => [Normal(g, 2, 3, 4)], x => x[0].Sum([0, 2], keepDim: true), x => x[0].sum(L(0, 2), keepdim: true)),
        new("sum of transpose", g => [Normal(g, 3, 4)], x => x[0].T.Sum(0), x => x[0].T.sum(L(0))),
        new("mean dims", g => [Normal(g, 2, 3, 4)], x => x[0].Mean([-1, 0]), x => x[0].mean(L(-1, 0))),
        new("mean keepdim", g => [Normal(g, 3, 4)], x => x[0].Mean(1, keepDim: true), x => x[0].mean(L(1), keepdim: true)),
        new("var dim", g => [Normal(g, 3, 5)], x => x[0].Var(1), x => x[0].var(1)),
        new("var dims biased keepdim", g => [Normal(g, 2, 3, 4)], x => x[0].Var([0, 2], keepDim: true, correction: 0),
            x => x[0].var(L(0, 2), unbiased: false, keepdim: true)),
        new("std dim", g => [Normal(g, 4, 3)], x => x[0].Std(0), x => x[0].std(L(0))),
        new("std all", g => [Normal(g, 4, 3)], x => x[0].Std(), x => x[0].std()),
        new("max dim", g => Distinct(g, [3, 4]), x => x[0].Max(1), x => x[0].max(1).values),
        new("max dims keepdim", g => Distinct(g, [2, 3, 4]), x => x[0].Max([0, 2], keepDim: true), x => x[0].amax(L(0, 2), keepdim: true)),
        new("max all", g => Distinct(g, [3, 4]), x => x[0].Max(), x => x[0].max()),
        new("min dim", g => Distinct(g, [3, 4]), x => x[0].Min(0), x => x[0].min(0).values),
        new("min all of transpose", g => Distinct(g, [3, 4]), x => x[0].T.Min(), x => x[0].T.min()),

        // ---- matrix products ----
        new("matmul 1d·1d", g => [Normal(g, 5), Normal(g, 5)], x => x[0].MatMul(x[1]), x => x[0].matmul(x[1])),
        new("matmul 1d·2d", g => [Normal(g, 4), Normal(g, 4, 3)], x => x[0].MatMul(x[1]), x => x[0].matmul(x[1])),
        new("matmul 2d·1d", g => [Normal(g, 3, 4), Normal(g, 4)], x => x[0].MatMul(x[1]), x => x[0].matmul(x[1])),
        new("matmul 2d·2d", g => [Normal(g, 3, 4), Normal(g, 4, 5)], x => x[0].MatMul(x[1]), x => x[0].matmul(x[1])),
        new("matmul transposed operands", g => [Normal(g, 4, 3), Normal(g, 5, 4)], x => x[0].T.MatMul(x[1].T), x => x[0].T.matmul(x[1].T)),
        new("matmul strided operand", g => [Normal(g, 3, 8), Normal(g, 4, 2)], x => x[0].Slice(1, step: 2).MatMul(x[1]), x => x[0].slice(1, 0, 8, 2).matmul(x[1])),
        new("matmul batched", g => [Normal(g, 2, 3, 4), Normal(g, 2, 4, 5)], x => x[0].MatMul(x[1]), x => x[0].matmul(x[1])),
        new("matmul batch broadcast", g => [Normal(g, 2, 1, 3, 4), Normal(g, 3, 4, 2)], x => x[0].MatMul(x[1]), x => x[0].matmul(x[1])),
        new("matmul N-d · 2-d", g => [Normal(g, 2, 3, 4), Normal(g, 4, 5)], x => x[0].MatMul(x[1]), x => x[0].matmul(x[1])),
        new("matmul 2-d · N-d", g => [Normal(g, 3, 4), Normal(g, 2, 4, 5)], x => x[0].MatMul(x[1]), x => x[0].matmul(x[1])),
        new("matmul batched transposed", g => [Normal(g, 2, 3, 4), Normal(g, 2, 3, 5)],
            x => x[0].Transpose(-1, -2).MatMul(x[1]), x => x[0].transpose(-1, -2).matmul(x[1])),

        new("matmul attention heads", g => [Normal(g, 2, 3, 12)],
            // qkv [B, T, 3C] split into q, k: [B, T, nh, hs] → [B, nh, T, hs]; scores = q · kᵀ, then · v.
            x =>
            {
                Tensor[] p = x[0].Split(4, 2);
                Tensor q = p[0].Reshape(2, 3, 2, 2).Transpose(1, 2), k = p[1].Reshape(2, 3, 2, 2).Transpose(1, 2), v = p[2].Reshape(2, 3, 2, 2).Transpose(1, 2);
                return q.MatMul(k.Transpose(-2, -1)).MatMul(v);
            },
            x =>
            {
                TT[] p = x[0].split(4, 2);
                TT q = p[0].reshape(2, 3, 2, 2).transpose(1, 2), k = p[1].reshape(2, 3, 2, 2).transpose(1, 2), v = p[2].reshape(2, 3, 2, 2).transpose(1, 2);
                return q.matmul(k.transpose(-2, -1)).matmul(v);
            }),
        new("matmul broadcast operand summed", g => [Normal(g, 3, 4), Normal(g, 5, 4, 2)], x => x[0].MatMul(x[1]), x => x[0].matmul(x[1])),

        // ---- views ----
        new("clone of a transposed view", g => [Normal(g, 3, 4)], x => x[0].Transpose(0, 1).Clone() * x[0].Transpose(0, 1), x => x[0].transpose(0, 1).clone() * x[0].transpose(0, 1)),
        new("transpose contiguous", g => [Normal(g, 2, 3, 4)], x => x[0].Transpose(0, 2).Contiguous() * 1f, x => x[0].transpose(0, 2).contiguous() * 1f),
        new("permute", g => [Normal(g, 2, 3, 4)], x => x[0].Permute(1, 2, 0) * 1f, x => x[0].permute(1, 2, 0) * 1f),
        new("slice step", g => [Normal(g, 7, 3)], x => x[0].Slice(0, 1, 6, 2) * 1f, x => x[0].slice(0, 1, 6, 2) * 1f),
        new("select", g => [Normal(g, 3, 4)], x => x[0].Select(1, 2) * 1f, x => x[0].select(1, 2) * 1f),
        new("unsqueeze squeeze", g => [Normal(g, 3, 4)], x => x[0].Unsqueeze(1).Squeeze(1).Unsqueeze(0) * 1f, x => x[0].unsqueeze(1).squeeze(1).unsqueeze(0) * 1f),
        new("expand", g => [Normal(g, 3, 1)], x => x[0].Expand(2, 3, 4) * 1f, x => x[0].expand(2, 3, 4) * 1f),
        new("reshape of a transpose", g => [Normal(g, 3, 4)], x => x[0].T.Reshape(2, 6) * 1f, x => x[0].T.reshape(2, 6) * 1f),
        new("narrow flatten", g => [Normal(g, 2, 5, 3)], x => x[0].Narrow(1, 1, 3).Flatten() * 1f, x => x[0].narrow(1, 1, 3).flatten() * 1f),

        // ---- joining and splitting ----
        new("concat", g => [Normal(g, 2, 3), Normal(g, 2, 1), Normal(g, 2, 2)], x => Tensor.Concat(x, 1), x => torch.cat(x, 1)),
        new("stack", g => [Normal(g, 2, 3), Normal(g, 2, 3)], x => Tensor.Stack(x, 1), x => torch.stack(x, 1)),
        new("split and recombine", g => [Normal(g, 5, 2)], x => { var p = x[0].Split(2); return Tensor.Concat([p[2], p[0] * 2f, p[1]]); },
            x => { var p = x[0].split(2); return torch.cat([p[2], p[0] * 2f, p[1]]); }),
        new("chunk", g => [Normal(g, 2, 6)], x => { var p = x[0].Chunk(3, 1); return p[0] * p[2] - p[1]; },
            x => { var p = x[0].chunk(3, 1); return p[0] * p[2] - p[1]; }),

        // ---- masking ----
        new("where broadcast", g => [Normal(g, 3, 4), Normal(g, 4)],
            x => Tensor.Where(NablaMask(), x[0], x[1]), x => torch.where(TorchMask(), x[0], x[1])),
        new("masked fill", g => [Normal(g, 2, 3, 4)], x => x[0].MaskedFill(NablaMask(), -5f), x => x[0].masked_fill(TorchMask(), -5f)),
        new("tril", g => [Normal(g, 2, 4, 4)], x => x[0].Tril(), x => x[0].tril()),
        new("tril diagonal", g => [Normal(g, 3, 5)], x => x[0].Tril(1), x => x[0].tril(1)),
        new("triu diagonal", g => [Normal(g, 4, 3)], x => x[0].Triu(-1), x => x[0].triu(-1)),

        // ---- a small composite: a 2-layer MLP with a mean-squared loss ----
        new("mlp", g => [Normal(g, 4, 3), Normal(g, 3, 5), Normal(g, 5), Normal(g, 5, 2)],
            x => ((x[0].MatMul(x[1]) + x[2]).Tanh().MatMul(x[3]) - 1f).Pow(2f).Mean(),
            x => ((x[0].matmul(x[1]) + x[2]).tanh().matmul(x[3]) - 1f).pow(2).mean()),
    ];

    public static IEnumerable<object[]> Names => All.Select(c => new object[] { c.Name });

    public static OpCase Get(string name) => All.Single(c => c.Name == name);
}
