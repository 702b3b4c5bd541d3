using System.Numerics.Tensors;

namespace Nabla.Tensors;

/// <summary>
/// Choosing slices by integer index: index select along a dimension, the embedding lookup (index select
/// of rows, the first layer of every language model) and one-hot encoding. Indices are int32 tensors.
/// Forward gathers; backward scatters: each selected slice's gradient is added back into the slice it
/// came from, so an index that appears twice receives both gradients.
/// </summary>
public sealed partial class Tensor
{
    /// <summary>
    /// The slices of this tensor at <paramref name="index"/> (int32, 1-D) along <paramref name="dim"/>, as
    /// torch.index_select: the result has index.Count slices where this tensor has Size(dim).
    /// </summary>
    public Tensor IndexSelect(int dim, Tensor index) => Gather(dim, index, "IndexSelect");

    /// <summary>
    /// Rows of this tensor chosen by an int32 tensor of any shape, as PyTorch's <c>x[ix]</c>: the result has
    /// shape index.Shape + Shape[1..]. It reads as the lectures do: <c>Xtr[ix]</c> picks a batch of examples,
    /// <c>C[X]</c> looks up an embedding for every character of every example. Gradients flow to this tensor.
    /// </summary>
    [System.Runtime.CompilerServices.IndexerName("Index")]
    public Tensor this[Tensor index]
    {
        get
        {
            index.RequireInt("Index");
            if (Rank == 0) throw new ArgumentException($"Index: cannot index a scalar with a tensor of shape {Shapes.Format(index.shape)}");
            int[] outShape = [.. index.shape, .. shape.AsSpan(1)];
            return Gather(0, index.Rank == 1 ? index : index.Reshape(index.Count), "Index").Reshape(outShape);
        }
    }

    /// <summary>
    /// Embedding lookup, as torch.nn.functional.embedding: row <c>indices[...]</c> of
    /// <paramref name="weight"/> [V, D] for every index, giving indices.Shape + [D].
    /// </summary>
    public static Tensor Embedding(Tensor indices, Tensor weight)
    {
        weight.RequireFloat("Embedding");
        indices.RequireInt("Embedding");
        if (weight.Rank != 2) throw new ArgumentException($"Embedding: weight must be [V, D], got {Shapes.Format(weight.shape)}");
        int[] outShape = [.. indices.shape, weight.shape[1]];
        return weight.Gather(0, indices.Reshape(indices.Count), "Embedding").Reshape(outShape);
    }

    /// <summary>
    /// One-hot encoding of int32 class indices: indices.Shape + [numClasses], 1 at each index and 0
    /// elsewhere. Unlike torch's int64 result, the values are float32, ready for a matrix product
    /// (torch code writes one_hot(x).float()). <paramref name="numClasses"/> = −1 means max(indices) + 1.
    /// </summary>
    public static Tensor OneHot(Tensor indices, int numClasses = -1)
    {
        const string op = "OneHot";
        indices.RequireInt(op);
        if (numClasses < -1) throw new ArgumentOutOfRangeException(nameof(numClasses), $"{op}: numClasses {numClasses} must be ≥ 0, or −1 for max(indices) + 1");
        int[] values = indices.ToIntArray();
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] < 0)
                throw new IndexOutOfRangeException($"{op}: index {values[i]} at position {i} is negative; class indices count from 0");
            if (numClasses >= 0 && values[i] >= numClasses)
                throw new IndexOutOfRangeException(
                    $"{op}: index {values[i]} at position {i} is out of range for {numClasses} classes (valid: 0..{numClasses - 1})");
        }
        long classes = numClasses >= 0 ? numClasses : values.Length == 0 ? 0 : values.Max() + 1L;
        if (classes > Shapes.MaxElements)
            throw Shapes.TooManyElements(op, $"the encoding of {values.Length} indices in {classes} classes", (double)values.Length * classes);
        int[] outShape = [.. indices.shape, (int)classes];
        var result = new float[Shapes.Count(outShape, op)];
        for (int i = 0; i < values.Length; i++) result[i * classes + values[i]] = 1f;
        return new Tensor(result, outShape);
    }

    /// <summary>
    /// Index select on the contiguous layout seen as [outer, Size(dim), inner]: each selected slice is
    /// <c>inner</c> consecutive floats, copied forward and added back in backward.
    /// </summary>
    private Tensor Gather(int dim, Tensor index, string op)
    {
        EnsureAlive(op);
        index.RequireInt(op);
        if (Rank == 0) throw new ArgumentException($"{op}: cannot index a scalar");
        if (index.Rank > 1) throw new ArgumentException($"{op}: index must be 1-D, got {Shapes.Format(index.shape)}");
        int d = Shapes.NormalizeDim(dim, Rank, op);
        int size = shape[d], count = index.Count;
        int[] picks = index.ToIntArray();
        for (int i = 0; i < count; i++)
            if ((uint)picks[i] >= (uint)size)
                throw new IndexOutOfRangeException(
                    $"{op}: index {picks[i]} at position {i} is out of range for dimension {d} of size {size} (tensor {Shapes.Format(shape)})");

        Tensor x = Contiguous();
        int inner = 1, outer = 1;
        for (int k = d + 1; k < Rank; k++) inner *= shape[k];
        for (int k = 0; k < d; k++) outer *= shape[k];
        int[] outShape = ShapeOf(shape);
        outShape[d] = count;
        if (DType == DType.Int32)
        {
            // Integer data (token ids, examples of a dataset) is selected the same way and has no gradient.
            var ints = new Tensor(new int[Shapes.Count(outShape)], outShape);
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < count; i++)
                    x.IntSpan.Slice((o * size + picks[i]) * inner, inner).CopyTo(ints.IntSpan.Slice((o * count + i) * inner, inner));
            return ints;
        }
        Tensor y = Output(outShape);
        Span<float> source = x.Span, target = y.Span;
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < count; i++)
                source.Slice((o * size + picks[i]) * inner, inner).CopyTo(target.Slice((o * count + i) * inner, inner));

        return Record(op, y, [x], dy =>
        {
            Span<float> grad = x.GradSpan(), upstream = dy.Span;
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < count; i++)
                {
                    Span<float> row = grad.Slice((o * size + picks[i]) * inner, inner);
                    TensorPrimitives.Add(row, upstream.Slice((o * count + i) * inner, inner), row);
                }
        });
    }
}
