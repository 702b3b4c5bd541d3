namespace Nabla.Tensors;

/// <summary>
/// Joining tensors along a dimension (concat, stack) and cutting one into pieces (split, chunk).
/// The pieces of a split are views; the backward rule of concat hands each input its slice of the gradient.
/// </summary>
public sealed partial class Tensor
{
    /// <summary>Joins tensors along an existing dimension; all other sizes must match.</summary>
    public static Tensor Concat(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        if (tensors.Count == 0) throw new ArgumentException("Concat: needs at least one tensor");
        Tensor first = tensors[0];
        int d = Shapes.NormalizeDim(dim, first.Rank, "Concat");
        long total = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            Tensor t = tensors[i];
            if (t.DType != first.DType)
                throw new ArgumentException($"Concat: tensor {i} is {t.DTypeName} but tensor 0 is {first.DTypeName}");
            bool compatible = t.Rank == first.Rank;
            for (int k = 0; compatible && k < t.Rank; k++) compatible = k == d || t.shape[k] == first.shape[k];
            if (!compatible)
                throw new ArgumentException($"Concat: tensor {i} has shape {Shapes.Format(t.shape)}, which does not match {Shapes.Format(first.shape)} outside dimension {d}");
            total += t.shape[d];
        }
        if (total > Shapes.MaxElements) throw Shapes.TooManyElements("Concat", $"dimension {d} of the result", total);
        int[] outShape = ShapeOf(first.shape);
        outShape[d] = (int)total;
        Shapes.Count(outShape, "Concat");
        Tensor y = first.DType == DType.Int32 ? ZerosInt(outShape) : Output(outShape, op: "Concat");
        var starts = new int[tensors.Count];
        for (int i = 0, start = 0; i < tensors.Count; i++)
        {
            starts[i] = start;
            CopyInto(y.Slice(d, start, start + tensors[i].shape[d]), tensors[i]);
            start += tensors[i].shape[d];
        }
        Tensor[] inputs = [.. tensors];
        return Record("Concat", y, inputs, dy =>
        {
            // Each input's gradient is its own slice of dy.
            for (int i = 0; i < inputs.Length; i++)
                if (inputs[i].requiresGrad) AccumulateGrad(inputs[i], dy.Slice(d, starts[i], starts[i] + inputs[i].shape[d]));
        });
    }

    /// <summary>Joins same-shaped tensors along a new dimension.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        if (tensors.Count == 0) throw new ArgumentException("Stack: needs at least one tensor");
        for (int i = 1; i < tensors.Count; i++)
            if (!Shapes.SameShape(tensors[i].shape, tensors[0].shape))
                throw new ArgumentException($"Stack: tensor {i} has shape {Shapes.Format(tensors[i].shape)} but tensor 0 has {Shapes.Format(tensors[0].shape)}");
        int d = Shapes.NormalizeDim(dim, tensors[0].Rank + 1, "Stack");
        return Concat(tensors.Select(t => t.Unsqueeze(d)).ToArray(), d);
    }

    /// <summary>Pieces of <paramref name="size"/> along <paramref name="dim"/> (the last may be smaller); views.</summary>
    public Tensor[] Split(int size, int dim = 0)
    {
        int d = Shapes.NormalizeDim(dim, Rank, "Split");
        if (size <= 0) throw new ArgumentException($"Split: piece size {size} must be positive");
        var pieces = new List<Tensor>();
        for (int start = 0; start < shape[d]; start += size) pieces.Add(Narrow(d, start, Math.Min(size, shape[d] - start)));
        return [.. pieces];
    }

    /// <summary>Pieces of the given sizes along <paramref name="dim"/>, which must add up to its size; views.</summary>
    public Tensor[] Split(int[] sizes, int dim = 0)
    {
        int d = Shapes.NormalizeDim(dim, Rank, "Split");
        if (sizes.Sum(s => (long)s) != shape[d] || sizes.Any(s => s < 0))
            throw new ArgumentException($"Split: sizes {Shapes.Format(sizes)} do not add up to dimension {d} of size {shape[d]}");
        var pieces = new Tensor[sizes.Length];
        for (int i = 0, start = 0; i < sizes.Length; start += sizes[i], i++) pieces[i] = Narrow(d, start, sizes[i]);
        return pieces;
    }

    /// <summary>At most <paramref name="chunks"/> pieces of size ⌈n / chunks⌉ (as torch.chunk); views.</summary>
    public Tensor[] Chunk(int chunks, int dim = 0)
    {
        int d = Shapes.NormalizeDim(dim, Rank, "Chunk");
        if (chunks <= 0) throw new ArgumentException($"Chunk: chunk count {chunks} must be positive");
        return Split(Math.Max(1, (shape[d] + chunks - 1) / chunks), d);
    }
}
