using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>
/// One Adam or AdamW update of a parameter (Kingma and Ba 2015; decoupled weight decay, Loshchilov and
/// Hutter 2019), in a single sweep over memory:
/// <code>
/// p ← p · (1 − lr · wd)                    (AdamW; Adam instead adds wd · p to the gradient g)
/// m ← m + (1 − β₁) · (g − m)               v ← β₂ · v + (1 − β₂) · g²
/// p ← p − lr / (1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
/// </code>
/// </summary>
/// <remarks>
/// Written as whole-tensor operations this is nine passes over parameter-sized arrays, each streaming
/// them from memory. Here the arrays are cut into blocks of <see cref="Block"/> floats and every step of
/// the update runs on one block while it is in L1 cache; the blocks are split across cores. Each block
/// applies the same vector operations (TensorPrimitives, <see cref="Pointwise"/>) in the same order as the
/// whole-tensor form, and every block but the last is a multiple of 16 floats and at least one block long,
/// so each element is computed by the same instructions as before: the result is the same to the bit.
/// </remarks>
public static unsafe class AdamKernel
{
    /// <summary>Floats per block: p, g, m, v and the scratch for √v of a block, 80 KiB in all, stay in L2 (and mostly L1).</summary>
    public const int Block = 4096;

    /// <summary>The update's constants for one step.</summary>
    /// <param name="LearningRate">lr.</param>
    /// <param name="WeightDecay">wd (0: none).</param>
    /// <param name="Decoupled">AdamW's decay of the weights (true) or Adam's L2 term in the gradient (false).</param>
    /// <param name="BiasCorrection1">1 − β₁ᵗ.</param>
    /// <param name="BiasCorrection2">1 − β₂ᵗ.</param>
    public readonly record struct Hyper(float LearningRate, float WeightDecay, bool Decoupled, float Beta1, float Beta2, float Eps,
        double BiasCorrection1, double BiasCorrection2);

    /// <summary>Updates <paramref name="p"/>, <paramref name="m"/> and <paramref name="v"/> in place from <paramref name="grad"/>.</summary>
    public static void Step(Span<float> p, ReadOnlySpan<float> grad, Span<float> m, Span<float> v, Hyper h)
    {
        const string kernel = "AdamKernel.Step";
        RowMath.RequireLength(grad.Length, p.Length, kernel, "grad");
        RowMath.RequireLength(m.Length, p.Length, kernel, "m");
        RowMath.RequireLength(v.Length, p.Length, kernel, "v");
        int blocks = Math.Max(1, p.Length / Block);   // the last block takes the remainder
        fixed (float* pp = p, pg = grad, pm = m, pv = v)
            ParallelFor.Run(blocks, Math.Max(1, RowMath.MinElementsPerTask * 4 / Block), new Blocks(pp, pg, pm, pv, p.Length, blocks, h));
    }

    private readonly struct Blocks(float* p, float* grad, float* m, float* v, int length, int blocks, Hyper h) : IRangeAction
    {
        public void Invoke(int start, int end)
        {
            float* scratch = stackalloc float[2 * Block];   // the last block is shorter than two blocks
            for (int b = start; b < end; b++)
            {
                int first = b * Block, n = b == blocks - 1 ? length - first : Block;
                Update(new Span<float>(p + first, n), new ReadOnlySpan<float>(grad + first, n),
                    new Span<float>(m + first, n), new Span<float>(v + first, n), new Span<float>(scratch, n), h);
            }
        }
    }

    /// <summary>The update of one block, step by step as the whole-tensor form.</summary>
    private static void Update(Span<float> p, ReadOnlySpan<float> grad, Span<float> m, Span<float> v, Span<float> scratch, Hyper h)
    {
        ReadOnlySpan<float> g = grad;
        if (h.WeightDecay != 0f)
        {
            if (h.Decoupled) TensorPrimitives.Multiply(p, 1f - h.LearningRate * h.WeightDecay, p);
            else
            {
                grad.CopyTo(scratch);
                TensorPrimitives.MultiplyAdd(p, h.WeightDecay, scratch, scratch);
                g = scratch;
            }
        }
        TensorPrimitives.Lerp(m, g, 1f - h.Beta1, m);
        TensorPrimitives.Multiply(v, h.Beta2, v);
        Pointwise.AddScaledProduct(v, g, g, 1f - h.Beta2);
        v.CopyTo(scratch);
        TensorPrimitives.Sqrt(scratch, scratch);
        TensorPrimitives.Multiply(scratch, (float)(1 / Math.Sqrt(h.BiasCorrection2)), scratch);
        TensorPrimitives.Add(scratch, h.Eps, scratch);
        Pointwise.AddScaledQuotient(p, m, scratch, (float)(-h.LearningRate / h.BiasCorrection1));
    }
}
