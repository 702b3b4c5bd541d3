using System.Numerics.Tensors;
using Nabla.Kernels;
using Nabla.NN;
using Nabla.Tensors;
using Tensor = Nabla.Tensors.Tensor;

namespace Nabla.Models;

/// <summary>
/// One token through the model with the cache: the decoding step of generation, computed on plain buffers
/// with the kernels directly. One position needs nothing of the tensor machinery — no graph, no broadcasting,
/// no batched GEMM — and at GPT-2's sizes the step is bound by reading the weights (0.5 GB per token), so what
/// matters is that every weight streams once through <see cref="MatVecKernel"/> and that nothing else costs:
/// the step allocates nothing, copies one position's key and value into the cache and reads the rest in place,
/// and the head runs on this one position.
/// <code>
/// x = wte[token] + wpe[p]                                   (C)
/// per block: h = ln_1(x); q, k, v = c_attn(h)               (3C; k, v into row p of the cache)
///            x += c_proj(attention of q over rows 0..p)     (C)
///            x += mlp.c_proj(gelu(mlp.c_fc(ln_2(x))))       (4C → C)
/// logits = wte · ln_f(x)                                    (V)
/// </code>
/// The arithmetic is the evaluation-mode forward's (no dropout), in a different order of additions than the
/// batched GEMM path; the two agree to float rounding.
/// </summary>
public sealed partial class KvCache
{
    /// <summary>The step's buffers, made once per cache.</summary>
    private sealed class StepBuffers(GptConfig c, GptTransformer t)
    {
        public readonly GptBlock[] Blocks = t.Blocks.ToArray();
        public readonly float[] X = new float[c.NEmbd], Normed = new float[c.NEmbd], Qkv = new float[3 * c.NEmbd],
            Attended = new float[c.NEmbd], Projected = new float[c.NEmbd], Hidden = new float[4 * c.NEmbd],
            Activated = new float[4 * c.NEmbd], Scores = new float[c.NHead * c.BlockSize], Logits = new float[c.VocabSize],
            NoBias = new float[c.NEmbd], Mean = new float[1], Rstd = new float[1];
    }

    private StepBuffers? buffers;

    /// <summary>
    /// Reads one <paramref name="token"/> at position <see cref="Length"/> and returns the logits (V) for the next
    /// token, in a buffer of the cache that the next call overwrites. Allocates nothing after the first call.
    /// Computes as in evaluation mode (dropout off).
    /// </summary>
    public ReadOnlySpan<float> AppendOne(int token)
    {
        GptConfig c = model.Config;
        int p = Length, C = c.NEmbd, nh = c.NHead, hs = C / nh;
        if (p + 1 > c.BlockSize)
            throw new ArgumentException($"KvCache: {p} cached + 1 new position exceed the block size {c.BlockSize}; clear it and read the last tokens again");
        if ((uint)token >= (uint)c.VocabSize) throw new ArgumentException($"KvCache: token {token} is outside the vocabulary [0, {c.VocabSize})");
        StepBuffers b = buffers ??= new StepBuffers(c, model.Transformer);
        GptTransformer t = model.Transformer;
        bool tanh = c.Gelu == GeluApproximation.Tanh;

        Span<float> x = b.X;
        TensorPrimitives.Add(t.Wte.Weight.Span.Slice(token * C, C), t.Wpe.Weight.Span.Slice(p * C, C), x);
        int layer = 0;
        foreach (GptBlock block in b.Blocks)
        {
            CausalSelfAttention attn = block.Attn;
            Norm(block.Ln1, x, b);
            Project(attn.CAttn.Weight, attn.CAttn.Bias, b.Normed, b.Qkv);
            Attend(layer, p, b);
            Project(attn.CProj.Weight, attn.CProj.Bias, b.Attended, b.Projected);
            TensorPrimitives.Add(x, b.Projected, x);

            Norm(block.Ln2, x, b);
            Project(block.Mlp.CFc.Weight, block.Mlp.CFc.Bias, b.Normed, b.Hidden);
            GeluKernel.Forward(b.Hidden, b.Activated, tanh);
            Project(block.Mlp.CProj.Weight, block.Mlp.CProj.Bias, b.Activated, b.Projected);
            TensorPrimitives.Add(x, b.Projected, x);
            layer++;
        }
        Norm(t.LnF, x, b);
        Project(model.LmHeadWeight, null, b.Normed, b.Logits);
        Length = p + 1;
        return b.Logits;
    }

    /// <summary>b.Normed = layer norm of x.</summary>
    private static void Norm(LayerNorm norm, ReadOnlySpan<float> x, StepBuffers b) =>
        LayerNormKernel.Forward(x, norm.Weight.Span, norm.Bias is { } bias ? bias.Span : b.NoBias.AsSpan(0, x.Length),
            b.Normed, b.Mean, b.Rstd, 1, x.Length, norm.Eps);

    /// <summary>y = W · x + bias, W [out, in].</summary>
    private static void Project(Tensor weight, Tensor? bias, ReadOnlySpan<float> x, Span<float> y) =>
        MatVecKernel.Forward(weight.Span, x, bias is null ? default : bias.Span, y, y.Length, x.Length);

    /// <summary>
    /// Writes this position's key and value (from b.Qkv) into row <paramref name="p"/> of the layer's cache, then
    /// b.Attended = per head softmax(q · Kᵀ / √hs) · V over rows 0..p, heads split across threads.
    /// </summary>
    private unsafe void Attend(int layer, int p, StepBuffers b)
    {
        GptConfig c = model.Config;
        int C = c.NEmbd, nh = c.NHead, hs = C / nh;
        Span<float> k = keys[layer].Span, v = values[layer].Span;
        for (int h = 0; h < nh; h++)
        {
            int row = (h * c.BlockSize + p) * hs;   // (1, nh, BlockSize, hs): head h, position p
            b.Qkv.AsSpan(C + h * hs, hs).CopyTo(k.Slice(row, hs));
            b.Qkv.AsSpan(2 * C + h * hs, hs).CopyTo(v.Slice(row, hs));
        }
        fixed (float* pk = k, pv = v, pq = b.Qkv, ps = b.Scores, py = b.Attended)
        {
            var heads = new AttendHeads(pq, pk, pv, ps, py, p + 1, hs, c.BlockSize);
            // Each head reads 2 · (p + 1) · hs floats of the cache: split only when that is worth a thread.
            ParallelFor.Run(nh, Math.Max(1, (1 << 15) / ((p + 1) * hs)), heads);
        }
    }

    /// <summary>One query per head against the first <c>n</c> cached rows of that head.</summary>
    private readonly unsafe struct AttendHeads(float* q, float* k, float* v, float* scores, float* y, int n, int hs, int blockSize) : IRangeAction
    {
        public void Invoke(int start, int end)
        {
            float scale = 1f / MathF.Sqrt(hs);
            for (int h = start; h < end; h++)
            {
                var query = new ReadOnlySpan<float>(q + h * hs, hs);
                float* keys = k + (long)h * blockSize * hs, values = v + (long)h * blockSize * hs;
                var s = new Span<float>(scores + (long)h * blockSize, n);
                for (int j = 0; j < n; j++) s[j] = TensorPrimitives.Dot(query, new ReadOnlySpan<float>(keys + (long)j * hs, hs)) * scale;
                SoftmaxKernel.Forward(s, s, 1, n);
                var output = new Span<float>(y + h * hs, hs);
                output.Clear();
                for (int j = 0; j < n; j++) TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(values + (long)j * hs, hs), s[j], output, output);
            }
        }
    }
}
