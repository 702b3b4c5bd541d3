using Nabla.Kernels;

namespace Nabla.Tensors;

/// <summary>
/// Reductions over one or more dimensions (all of them by default), with keepdim as in PyTorch.
/// Sum's backward spreads the output gradient back over the reduced dimensions; max and min send
/// it to the element that won; mean, var and std are written in terms of sum so that their
/// gradients follow from the chain rule.
/// </summary>
public sealed partial class Tensor
{
    /// <summary>Sum of all elements: a zero-dimensional tensor.</summary>
    public Tensor Sum() => Sum(AllDims(), keepDim: false);

    public Tensor Sum(int dim, bool keepDim = false) => Sum([dim], keepDim);

    // y = Σ_reduced x:  dx += dy, broadcast back over the reduced dimensions
    public Tensor Sum(int[] dims, bool keepDim = false)
    {
        var plan = new Reduction(this, dims, "Sum");
        Tensor y = Output(plan.KeptShape, zeroed: true);
        plan.SumInto(y.Span);
        return Record("Sum", plan.Shaped(y, keepDim), [this], dy =>
        {
            // dy, seen with the kept shape and stride 0 along the reduced dims, has x's shape.
            int[] keptStrides = Shapes.ContiguousStrides(plan.KeptShape);
            AccumulateInto(EnsureGrad(), dy.WithLayout(ShapeOf(shape), Shapes.BroadcastStrides(plan.KeptShape, keptStrides, shape), dy.offset));
        });
    }

    public Tensor Mean() => Mean(AllDims(), keepDim: false);
    public Tensor Mean(int dim, bool keepDim = false) => Mean([dim], keepDim);
    public Tensor Mean(int[] dims, bool keepDim = false) => Sum(dims, keepDim) * (1f / new Reduction(this, dims, "Mean").ReducedCount);

    /// <summary>Variance with Bessel's correction by default (correction = 1), as torch.var.</summary>
    public Tensor Var(int[] dims, bool keepDim = false, int correction = 1)
    {
        int n = new Reduction(this, dims, "Var").ReducedCount;
        Tensor centered = this - Mean(dims, keepDim: true);
        return (centered * centered).Sum(dims, keepDim) * (1f / Math.Max(0, n - correction));
    }

    public Tensor Var(int dim, bool keepDim = false, int correction = 1) => Var([dim], keepDim, correction);
    /// <summary>Unbiased variance of all elements (for another correction, pass all dims).</summary>
    public Tensor Var() => Var(AllDims(), keepDim: false);

    public Tensor Std(int[] dims, bool keepDim = false, int correction = 1) => Var(dims, keepDim, correction).Sqrt();
    public Tensor Std(int dim, bool keepDim = false, int correction = 1) => Std([dim], keepDim, correction);
    public Tensor Std() => Std(AllDims(), keepDim: false);

    // Gradients follow PyTorch's two rules for ties:
    // y = max x along one dim (torch.max(x, dim)):  dx[first maximum] += dy
    public Tensor Max(int dim, bool keepDim = false) => Extremum([dim], keepDim, "Max", largest: true, shareTies: false);
    // y = max x over several dims or all (torch.amax, torch.max(x)):  dx[each maximum] += dy / (number of maxima)
    public Tensor Max(int[] dims, bool keepDim = false) => Extremum(dims, keepDim, "Max", largest: true, shareTies: true);
    public Tensor Max() => Max(AllDims(), keepDim: false);

    public Tensor Min(int dim, bool keepDim = false) => Extremum([dim], keepDim, "Min", largest: false, shareTies: false);
    public Tensor Min(int[] dims, bool keepDim = false) => Extremum(dims, keepDim, "Min", largest: false, shareTies: true);
    public Tensor Min() => Min(AllDims(), keepDim: false);

    /// <summary>Index (int32) of the largest element along <paramref name="dim"/>; the first one on ties.</summary>
    public Tensor ArgMax(int dim, bool keepDim = false) => ArgExtremum([dim], keepDim, "ArgMax", largest: true);
    /// <summary>Flat row-major index (int32, zero-dimensional) of the largest element.</summary>
    public Tensor ArgMax() => ArgExtremum(AllDims(), keepDim: false, "ArgMax", largest: true);
    public Tensor ArgMin(int dim, bool keepDim = false) => ArgExtremum([dim], keepDim, "ArgMin", largest: false);
    public Tensor ArgMin() => ArgExtremum(AllDims(), keepDim: false, "ArgMin", largest: false);

    private int[] AllDims()
    {
        var dims = new int[Rank];
        for (int d = 0; d < Rank; d++) dims[d] = d;
        return dims;
    }

    private Tensor Extremum(int[] dims, bool keepDim, string op, bool largest, bool shareTies)
    {
        var plan = new Reduction(this, dims, op);
        if (plan.ReducedCount == 0) throw new ArgumentException($"{op}: cannot reduce over an empty dimension of {Shapes.Format(shape)}");
        Tensor y = Output(plan.KeptShape);
        int[] winners = plan.Extremum(largest, y.Span);
        return Record(op, plan.Shaped(y, keepDim), [this], dy =>
        {
            Span<float> dx = GradSpan();
            ReadOnlySpan<float> g = dy.Span;
            if (shareTies) plan.ShareAmongTies(y.Span, g, dx);
            else for (int o = 0; o < winners.Length; o++) dx[winners[o]] += g[o];
        });
    }

    private Tensor ArgExtremum(int[] dims, bool keepDim, string op, bool largest)
    {
        var plan = new Reduction(this, dims, op);
        if (plan.ReducedCount == 0) throw new ArgumentException($"{op}: cannot reduce over an empty dimension of {Shapes.Format(shape)}");
        Tensor values = Zeros(plan.KeptShape);
        int[] winners = plan.Extremum(largest, values.Span, positionInGroup: true);
        Tensor indices = new(winners, plan.KeptShape);
        return plan.Shaped(indices, keepDim);
    }

    /// <summary>
    /// Where the elements of each reduction group live. Output element o (over the kept dimensions) reduces
    /// the elements at <c>outer[o] + inner[r]</c> for r over the reduced dimensions, in row-major order.
    /// </summary>
    private sealed class Reduction
    {
        private readonly Tensor x;
        private readonly bool[] reduced;
        public readonly int[] KeptShape;     // x's shape with reduced dims set to 1
        public readonly int ReducedCount;
        public readonly int KeptCount;

        public Reduction(Tensor x, int[] dims, string op)
        {
            x.RequireFloat(op);
            this.x = x;
            int[] normalized = Shapes.NormalizeDims(dims, x.Rank, op);
            reduced = new bool[x.Rank];
            foreach (int d in normalized) reduced[d] = true;
            KeptShape = ShapeOf(x.shape);
            ReducedCount = 1;
            foreach (int d in normalized)
            {
                ReducedCount *= x.shape[d];
                KeptShape[d] = 1;
            }
            KeptCount = Shapes.Count(KeptShape);
        }

        /// <summary>The result with keepdim applied: reduced dimensions dropped unless kept as size 1.</summary>
        public Tensor Shaped(Tensor y, bool keepDim)
        {
            if (keepDim) return y;
            var squeezed = new List<int>();
            for (int d = 0; d < KeptShape.Length; d++) if (!reduced[d]) squeezed.Add(KeptShape[d]);
            int[] s = [.. squeezed];
            return y.WithLayout(s, Shapes.ContiguousStrides(s), y.offset);
        }

        /// <summary>Storage offsets of the reduction groups (kept dims) and within a group (reduced dims), using <paramref name="strides"/>.</summary>
        private int[] Offsets(bool ofReduced, int[] strides)
        {
            var sizes = new List<int>();
            var steps = new List<int>();
            for (int d = 0; d < x.Rank; d++)
            {
                if (reduced[d] != ofReduced) continue;
                sizes.Add(x.shape[d]);
                steps.Add(strides[d]);
            }
            int total = 1;
            foreach (int s in sizes) total *= s;
            var offsets = new int[total];
            var index = new int[sizes.Count];
            for (int i = 0, position = 0; i < total; i++)
            {
                offsets[i] = position;
                for (int k = sizes.Count - 1; k >= 0; k--)
                {
                    position += steps[k];
                    if (++index[k] < sizes[k]) break;
                    position -= steps[k] * sizes[k];
                    index[k] = 0;
                }
            }
            return offsets;
        }

        /// <summary>True if every reduced dimension comes after every kept one (ignoring size-1 dims).</summary>
        private bool TrailingBlock()
        {
            bool seenReduced = false;
            for (int d = 0; d < x.Rank; d++)
            {
                if (x.shape[d] == 1) continue;
                if (reduced[d]) seenReduced = true;
                else if (seenReduced) return false;
            }
            return true;
        }

        /// <summary>
        /// If x is contiguous and the reduced dims form one block, x is [outer, R, inner] and the sums are
        /// span additions; otherwise each group is summed through the offset tables.
        /// </summary>
        public void SumInto(Span<float> y)
        {
            if (x.Count == 0) return;
            int first = Array.IndexOf(reduced, true), last = Array.LastIndexOf(reduced, true);
            bool block = first >= 0;
            for (int d = first; block && d <= last; d++) block &= reduced[d] || x.shape[d] == 1;
            if (x.IsContiguous && block)
            {
                int inner = 1;
                for (int d = last + 1; d < x.Rank; d++) inner *= x.shape[d];
                Reduce.Sum(x.Span, y, KeptCount / inner, ReducedCount, inner);
                return;
            }
            int[] outerOffsets = Offsets(false, x.strides), innerOffsets = Offsets(true, x.strides);
            float[] data = x.data;
            for (int o = 0; o < outerOffsets.Length; o++)
            {
                int start = x.offset + outerOffsets[o];
                float sum = 0f;
                foreach (int r in innerOffsets) sum += data[start + r];
                y[o] = sum;
            }
        }

        /// <summary>
        /// Writes the max (or min) of each group into <paramref name="y"/> and returns, per group, the
        /// winner's position: in x's contiguous gradient layout, or its index within the group.
        /// NaN wins, as in PyTorch.
        /// </summary>
        public int[] Extremum(bool largest, Span<float> y, bool positionInGroup = false)
        {
            if (x.IsContiguous && TrailingBlock())
            {
                // [rows, cols] with the reduced dims last: one SIMD search per row.
                var best = new int[KeptCount];
                Reduce.ExtremumRows(x.Span, KeptCount, ReducedCount, largest, y, best);
                if (!positionInGroup)
                    for (int o = 0; o < best.Length; o++) best[o] += o * ReducedCount;
                return best;
            }
            int[] outerOffsets = Offsets(false, x.strides), innerOffsets = Offsets(true, x.strides);
            int[] contiguous = Shapes.ContiguousStrides(x.shape);
            int[] outerGrad = Offsets(false, contiguous), innerGrad = Offsets(true, contiguous);
            var winners = new int[outerOffsets.Length];
            float[] data = x.data;
            for (int o = 0; o < outerOffsets.Length; o++)
            {
                int start = x.offset + outerOffsets[o];
                int best = 0;
                float bestValue = data[start + innerOffsets[0]];
                for (int r = 1; r < innerOffsets.Length && !float.IsNaN(bestValue); r++)
                {
                    float v = data[start + innerOffsets[r]];
                    if (float.IsNaN(v) || (largest ? v > bestValue : v < bestValue))
                    {
                        best = r;
                        bestValue = v;
                    }
                }
                y[o] = bestValue;
                winners[o] = positionInGroup ? best : outerGrad[o] + innerGrad[best];
            }
            return winners;
        }

        /// <summary>Adds each group's gradient <paramref name="dy"/>[o], in equal shares, to the elements of the
        /// group equal to its extremum <paramref name="y"/>[o] (NaN matching a NaN extremum), in x's
        /// contiguous gradient layout.</summary>
        public void ShareAmongTies(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
        {
            if (x.IsContiguous && TrailingBlock())
            {
                ReadOnlySpan<float> values = x.Span;
                for (int o = 0; o < KeptCount; o++)
                {
                    int start = o * ReducedCount;
                    ReadOnlySpan<float> group = values.Slice(start, ReducedCount);
                    int ties = 0;
                    foreach (float v in group) ties += Ties(v, y[o]) ? 1 : 0;
                    float share = dy[o] / ties;
                    for (int r = 0; r < group.Length; r++)
                        if (Ties(group[r], y[o])) dx[start + r] += share;
                }
                return;
            }
            int[] outerOffsets = Offsets(false, x.strides), innerOffsets = Offsets(true, x.strides);
            int[] contiguous = Shapes.ContiguousStrides(x.shape);
            int[] outerGrad = Offsets(false, contiguous), innerGrad = Offsets(true, contiguous);
            float[] data = x.data;
            for (int o = 0; o < outerOffsets.Length; o++)
            {
                int start = x.offset + outerOffsets[o];
                int ties = 0;
                foreach (int r in innerOffsets) ties += Ties(data[start + r], y[o]) ? 1 : 0;
                float share = dy[o] / ties;
                for (int r = 0; r < innerOffsets.Length; r++)
                    if (Ties(data[start + innerOffsets[r]], y[o])) dx[outerGrad[o] + innerGrad[r]] += share;
            }
        }

        private static bool Ties(float value, float extremum) => value == extremum || (float.IsNaN(value) && float.IsNaN(extremum));
    }
}
