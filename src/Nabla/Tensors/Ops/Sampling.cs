namespace Nabla.Tensors;

/// <summary>
/// Choosing tokens when generating text: the k largest logits (to cut off the long tail before sampling),
/// and a draw from a categorical distribution. Both work on rows: the last dimension holds the
/// vocabulary, leading dimensions are a batch.
/// </summary>
public sealed partial class Tensor
{
    /// <summary>
    /// The <paramref name="k"/> largest (or smallest) elements along <paramref name="dim"/>, in descending
    /// (ascending) order, and their int32 indices, as torch.topk with sorted = true; ties keep the lower
    /// index first. The values are differentiable: their gradient goes back to the positions they came from.
    /// </summary>
    public (Tensor Values, Tensor Indices) TopK(int k, int dim = -1, bool largest = true)
    {
        const string op = "TopK";
        RequireFloat(op);
        if (Rank == 0)
        {
            var (value, index) = Reshape(1).TopK(k, 0, largest);
            return (value.Reshape(), index.Reshape());
        }
        int d = Shapes.NormalizeDim(dim, Rank, op);
        if (k < 0 || k > shape[d])
            throw new ArgumentOutOfRangeException(nameof(k), $"{op}: k = {k} is out of range for dimension {d} of size {shape[d]} (tensor {Shapes.Format(shape)})");
        if (d != Rank - 1)
        {
            var (values, indices) = Transpose(d, Rank - 1).TopK(k, -1, largest);
            return (values.Transpose(d, Rank - 1), indices.Transpose(d, Rank - 1));
        }

        Tensor x = Contiguous();
        int cols = shape[^1], rows = cols == 0 ? 0 : Count / cols;
        int[] outShape = ShapeOf(shape);
        outShape[^1] = k;
        Tensor y = Output(outShape);
        var picked = new int[rows * k];
        Span<float> target = y.Span;
        var order = new int[cols];
        for (int r = 0; r < rows; r++)
        {
            int start = x.offset + r * cols;
            Span<int> best = picked.AsSpan(r * k, k);
            if (8L * k <= cols) SelectBest(x.data, start, cols, best, largest);
            else
            {
                // k is a large share of the row: sorting all positions is as cheap as selecting.
                for (int i = 0; i < cols; i++) order[i] = i;
                Array.Sort(order, new RowOrder(x.data, start, largest));
                order.AsSpan(0, k).CopyTo(best);
            }
            for (int j = 0; j < k; j++) target[r * k + j] = x.data[start + best[j]];
        }
        Tensor indicesTensor = new(picked, outShape);
        Tensor result = Record(op, y, [x], dy =>
        {
            Span<float> grad = x.GradSpan(), upstream = dy.Span;
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < k; j++)
                    grad[r * cols + picked[r * k + j]] += upstream[r * k + j];
        });
        return (result, indicesTensor);
    }

    /// <summary>
    /// <paramref name="numSamples"/> category indices (int32) per row of non-negative weights
    /// <paramref name="probs"/> ([V] or [B, V]; they need not sum to 1), as torch.multinomial. Without
    /// replacement a category is drawn at most once per row. Draws come from <paramref name="generator"/>.
    /// </summary>
    public static Tensor Multinomial(Tensor probs, int numSamples, bool replacement = false, Generator? generator = null)
    {
        const string op = "Multinomial";
        probs.RequireFloat(op);
        if (probs.Rank is not (1 or 2)) throw new ArgumentException($"{op}: probabilities must be [V] or [B, V], got {Shapes.Format(probs.shape)}");
        int cols = probs.shape[^1], rows = probs.Rank == 1 ? 1 : probs.shape[0];
        if (numSamples <= 0) throw new ArgumentOutOfRangeException(nameof(numSamples), $"{op}: numSamples must be positive, got {numSamples}");
        if (!replacement && numSamples > cols)
            throw new ArgumentOutOfRangeException(nameof(numSamples),
                $"{op}: cannot draw {numSamples} samples without replacement from {cols} categories");

        Generator g = generator ?? Generator.Default;
        float[] weights = probs.ToArray();
        var samples = new int[Shapes.Count([rows, numSamples], op)];
        var row = new double[cols];
        for (int r = 0; r < rows; r++)
        {
            double total = 0;
            for (int c = 0; c < cols; c++)
            {
                float w = weights[r * cols + c];
                if (!(w >= 0f) || float.IsInfinity(w))
                    throw new ArgumentException($"{op}: probability {w} at row {r}, column {c} is negative, infinite or NaN");
                row[c] = w;
                total += w;
            }
            for (int s = 0; s < numSamples; s++)
            {
                if (!(total > 0))
                    throw new ArgumentException($"{op}: row {r} has no probability mass left to draw sample {s} from");
                // Inverse CDF: the first category whose running sum exceeds u · total.
                double u = g.NextDouble() * total, running = 0;
                int chosen = -1;
                for (int c = 0; c < cols; c++)
                {
                    if (row[c] == 0) continue;
                    chosen = c;
                    running += row[c];
                    if (u < running) break;
                }
                samples[r * numSamples + s] = chosen;
                if (!replacement)
                {
                    row[chosen] = 0;
                    total = 0;   // summed again rather than decremented, so rounding never leaves phantom mass
                    for (int c = 0; c < cols; c++) total += row[c];
                }
            }
        }
        return new Tensor(samples, probs.Rank == 1 ? [numSamples] : [rows, numSamples]);
    }

    /// <summary>
    /// The k best positions of one row, best first, in one scan: a position enters the sorted list only if
    /// it beats the current k-th, which after the first few hundred elements of a long row is rare, so a
    /// 50,257-token vocabulary with k = 200 costs little more than one pass. Scanning in index order and
    /// admitting only strictly better values keeps the lower index first among equals.
    /// </summary>
    private static void SelectBest(float[] data, int start, int cols, Span<int> best, bool largest)
    {
        int k = best.Length, filled = 0;
        if (k == 0) return;
        for (int i = 0; i < cols; i++)
        {
            float v = data[start + i];
            if (filled == k && !Beats(v, data[start + best[k - 1]], largest)) continue;
            int j = filled < k ? filled++ : k - 1;
            while (j > 0 && Beats(v, data[start + best[j - 1]], largest))
            {
                best[j] = best[j - 1];
                j--;
            }
            best[j] = i;
        }
    }

    /// <summary>Strictly better: larger (or smaller), with NaN the largest of all, as in PyTorch.</summary>
    private static bool Beats(float v, float other, bool largest)
    {
        if (float.IsNaN(v) || float.IsNaN(other)) return largest ? float.IsNaN(v) && !float.IsNaN(other) : float.IsNaN(other) && !float.IsNaN(v);
        return largest ? v > other : v < other;
    }

    /// <summary>Positions of one row ordered by value, largest (or smallest) first; NaN counts as the largest,
    /// as in PyTorch; equal values keep the lower position first, so the order is fully determined.</summary>
    private sealed class RowOrder(float[] data, int start, bool largest) : IComparer<int>
    {
        public int Compare(int a, int b)
        {
            float x = data[start + a], y = data[start + b];
            int byValue = float.IsNaN(x) || float.IsNaN(y)
                ? (float.IsNaN(x) ? 1 : 0) - (float.IsNaN(y) ? 1 : 0)
                : x.CompareTo(y);
            if (largest) byValue = -byValue;
            return byValue != 0 ? byValue : a.CompareTo(b);
        }
    }
}
