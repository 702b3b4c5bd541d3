namespace Nabla.Tensors;

/// <summary>
/// Views: new shapes and strides over the same storage, no copy. The backward rule of every view is
/// the same sentence: make the same view of the input's gradient and add the output's gradient into it.
/// </summary>
public sealed partial class Tensor
{
    /// <summary>
    /// The same elements in another shape (one size may be −1: inferred). A view when this tensor is
    /// contiguous; otherwise the elements are copied first, as PyTorch's reshape does.
    /// </summary>
    public Tensor Reshape(params int[] newShape)
    {
        int[] resolved = ResolveShape(newShape, "Reshape");
        Tensor source = IsContiguous ? this : Contiguous();
        Tensor y = source.WithLayout(resolved, Shapes.ContiguousStrides(resolved), source.offset);
        return Record("Reshape", y, [source], dy => PassGradThroughReshape(source, y, dy, g => g.Reshape(resolved)));
    }

    /// <summary>Like <see cref="Reshape"/>, but never copies: throws if this tensor is not contiguous.</summary>
    public Tensor View(params int[] newShape)
    {
        if (!IsContiguous)
            throw new InvalidOperationException($"View: tensor {Shapes.Format(shape)} with strides {Shapes.Format(strides)} is not contiguous; use Reshape() or Contiguous()");
        return Reshape(newShape);
    }

    /// <summary>Flattens dimensions startDim..endDim into one.</summary>
    public Tensor Flatten(int startDim = 0, int endDim = -1)
    {
        if (Rank == 0) return Reshape(1);
        int s = Shapes.NormalizeDim(startDim, Rank, "Flatten"), e = Shapes.NormalizeDim(endDim, Rank, "Flatten");
        var newShape = new List<int>();
        for (int d = 0; d < s; d++) newShape.Add(shape[d]);
        int merged = 1;
        for (int d = s; d <= e; d++) merged *= shape[d];
        newShape.Add(merged);
        for (int d = e + 1; d < Rank; d++) newShape.Add(shape[d]);
        return Reshape([.. newShape]);
    }

    private int[] ResolveShape(int[] newShape, string op)
    {
        var resolved = (int[])newShape.Clone();
        int inferred = -1, known = 1;
        for (int i = 0; i < resolved.Length; i++)
        {
            if (resolved[i] == -1)
            {
                if (inferred >= 0) throw new ArgumentException($"{op}: only one dimension can be -1 in {Shapes.Format(newShape)}");
                inferred = i;
            }
            else if (resolved[i] < 0) throw new ArgumentException($"{op}: shape {Shapes.Format(newShape)} has a negative size");
            else known = (int)Math.Min((long)known * resolved[i], Shapes.MaxElements + 1L);
        }
        if (inferred >= 0)
        {
            if (known == 0 || Count % known != 0)
                throw new ArgumentException($"{op}: cannot reshape {Shapes.Format(shape)} ({Count} elements) into {Shapes.Format(newShape)}");
            resolved[inferred] = Count / known;
        }
        if (Shapes.Count(resolved, op) != Count)
            throw new ArgumentException($"{op}: cannot reshape {Shapes.Format(shape)} ({Count} elements) into {Shapes.Format(newShape)}");
        return resolved;
    }

    /// <summary>Swaps two dimensions.</summary>
    public Tensor Transpose(int dim0, int dim1)
    {
        int a = Shapes.NormalizeDim(dim0, Rank, "Transpose"), b = Shapes.NormalizeDim(dim1, Rank, "Transpose");
        int[] order = new int[Rank];
        for (int d = 0; d < Rank; d++) order[d] = d;
        (order[a], order[b]) = (order[b], order[a]);
        return PermuteCore(order, "Transpose");
    }

    /// <summary>The transpose of a 2-D tensor (a 1-D tensor is returned as is, as PyTorch's .T).</summary>
    public Tensor T => Rank < 2 ? this : Rank == 2 ? Transpose(0, 1)
        : throw new InvalidOperationException($"T: expects a tensor of rank ≤ 2, got {Shapes.Format(shape)}; use Transpose or Permute");

    /// <summary>Reorders dimensions: output dimension i is input dimension order[i].</summary>
    public Tensor Permute(params int[] order)
    {
        if (order.Length != Rank)
            throw new ArgumentException($"Permute: order {Shapes.Format(order)} has {order.Length} entries for a tensor of rank {Rank}");
        var normalized = new int[Rank];
        var seen = new bool[Rank];
        for (int i = 0; i < Rank; i++)
        {
            int d = Shapes.NormalizeDim(order[i], Rank, "Permute");
            if (seen[d]) throw new ArgumentException($"Permute: dimension {d} appears twice in {Shapes.Format(order)}");
            seen[d] = true;
            normalized[i] = d;
        }
        return PermuteCore(normalized, "Permute");
    }

    private Tensor PermuteCore(int[] order, string op)
    {
        var newShape = new int[Rank];
        var newStrides = new int[Rank];
        for (int i = 0; i < Rank; i++)
        {
            newShape[i] = shape[order[i]];
            newStrides[i] = strides[order[i]];
        }
        Tensor y = WithLayout(newShape, newStrides, offset);
        return Record(op, y, [this], dy => AccumulateGradThroughView(this, dy, g => g.PermuteCore(order, op)));
    }

    /// <summary>
    /// Elements start, start + step, ... before stop along <paramref name="dim"/> (Python's
    /// x[start:stop:step]); null means the end, negative positions count from the end, and out-of-range
    /// bounds are clipped as in Python. Step must be positive.
    /// </summary>
    public Tensor Slice(int dim, int? start = null, int? stop = null, int step = 1)
    {
        int d = Shapes.NormalizeDim(dim, Rank, "Slice");
        if (step <= 0) throw new ArgumentException($"Slice: step {step} must be positive");
        int size = shape[d];
        int first = Clip(start ?? 0, size), end = Clip(stop ?? size, size);
        int length = end > first ? (int)((end - first + (long)step - 1) / step) : 0;
        var newShape = ShapeOf(shape);
        var newStrides = ShapeOf(strides);
        newShape[d] = length;
        newStrides[d] = strides[d] * step;
        Tensor y = WithLayout(newShape, newStrides, offset + (length > 0 ? first * strides[d] : 0));
        return Record("Slice", y, [this], dy => AccumulateGradThroughView(this, dy, g => g.Slice(d, first, end, step)));

        static int Clip(int position, int size) => Math.Clamp(position < 0 ? position + size : position, 0, size);
    }

    /// <summary>Elements [start, start + length) along <paramref name="dim"/>; unlike Slice, bounds must be in range.</summary>
    public Tensor Narrow(int dim, int start, int length)
    {
        int d = Shapes.NormalizeDim(dim, Rank, "Narrow");
        if (start < 0 || length < 0 || (long)start + length > shape[d])
            throw new ArgumentOutOfRangeException(nameof(start), $"Narrow: range [{start}, {(long)start + length}) is out of bounds for dimension {d} of size {shape[d]}");
        return Slice(d, start, start + length);
    }

    /// <summary>The sub-tensor at <paramref name="index"/> along <paramref name="dim"/>; that dimension disappears.</summary>
    public Tensor Select(int dim, int index)
    {
        int d = Shapes.NormalizeDim(dim, Rank, "Select");
        int i = index < 0 ? index + shape[d] : index;
        if (i < 0 || i >= shape[d])
            throw new IndexOutOfRangeException($"Select: index {index} is out of range for dimension {d} of size {shape[d]}");
        var newShape = new int[Rank - 1];
        var newStrides = new int[Rank - 1];
        for (int k = 0, j = 0; k < Rank; k++)
        {
            if (k == d) continue;
            newShape[j] = shape[k];
            newStrides[j++] = strides[k];
        }
        Tensor y = WithLayout(newShape, newStrides, offset + i * strides[d]);
        return Record("Select", y, [this], dy => AccumulateGradThroughView(this, dy, g => g.Select(d, i)));
    }

    /// <summary>x[i]: selects along the first dimension (negative i counts from the end).</summary>
    [System.Runtime.CompilerServices.IndexerName("Index")]
    public Tensor this[int index] => Rank == 0
        ? throw new InvalidOperationException("Index: a zero-dimensional tensor cannot be indexed")
        : Select(0, index);

    /// <summary>x[^1]: selects along the first dimension, counting from the end.</summary>
    [System.Runtime.CompilerServices.IndexerName("Index")]
    public Tensor this[Index index] => Rank == 0
        ? throw new InvalidOperationException("Index: a zero-dimensional tensor cannot be indexed")
        : Select(0, index.GetOffset(shape[0]));

    /// <summary>x[a..b, c..d, ...]: slices the leading dimensions (steps of 1; use Slice for other steps).</summary>
    [System.Runtime.CompilerServices.IndexerName("Index")]
    public Tensor this[params Range[] ranges]
    {
        get
        {
            if (ranges.Length > Rank) throw new ArgumentException($"Index: {ranges.Length} ranges for a tensor of rank {Rank}");
            Tensor result = this;
            for (int d = 0; d < ranges.Length; d++)
            {
                var (start, length) = ranges[d].GetOffsetAndLength(shape[d]);
                result = result.Slice(d, start, start + length);
            }
            return result;
        }
    }

    /// <summary>Inserts a dimension of size 1 at <paramref name="dim"/> (which may equal the rank).</summary>
    public Tensor Unsqueeze(int dim)
    {
        int d = Shapes.NormalizeDim(dim, Rank + 1, "Unsqueeze");
        var newShape = new List<int>(shape);
        var newStrides = new List<int>(strides);
        newShape.Insert(d, 1);
        newStrides.Insert(d, d < Rank ? strides[d] * shape[d] : 1);
        Tensor y = WithLayout([.. newShape], [.. newStrides], offset);
        return Record("Unsqueeze", y, [this], dy => AccumulateGradThroughView(this, dy, g => g.Unsqueeze(d)));
    }

    /// <summary>Removes dimension <paramref name="dim"/> if its size is 1 (otherwise returns this tensor, as PyTorch).</summary>
    public Tensor Squeeze(int dim)
    {
        int d = Shapes.NormalizeDim(dim, Rank, "Squeeze");
        return shape[d] == 1 ? SqueezeDims([d]) : this;
    }

    /// <summary>Removes every dimension of size 1.</summary>
    public Tensor Squeeze()
    {
        var dims = new List<int>();
        for (int d = 0; d < Rank; d++) if (shape[d] == 1) dims.Add(d);
        return dims.Count == 0 ? this : SqueezeDims([.. dims]);
    }

    private Tensor SqueezeDims(int[] dims)
    {
        var newShape = new List<int>();
        var newStrides = new List<int>();
        for (int d = 0; d < Rank; d++)
        {
            if (Array.IndexOf(dims, d) >= 0) continue;
            newShape.Add(shape[d]);
            newStrides.Add(strides[d]);
        }
        Tensor y = WithLayout([.. newShape], [.. newStrides], offset);
        return Record("Squeeze", y, [this], dy => AccumulateGradThroughView(this, dy, g => g.SqueezeDims(dims)));
    }

    /// <summary>
    /// Broadcasts to a larger shape without copying: size-1 dimensions (and new leading ones) repeat
    /// with stride 0. −1 keeps a size. Backward sums the gradient over the repeated dimensions.
    /// </summary>
    public Tensor Expand(params int[] newShape)
    {
        if (newShape.Length < Rank)
            throw new ArgumentException($"Expand: target {Shapes.Format(newShape)} has fewer dimensions than {Shapes.Format(shape)}");
        var target = (int[])newShape.Clone();
        int lead = target.Length - Rank;
        for (int i = 0; i < target.Length; i++)
        {
            if (target[i] == -1)
            {
                if (i < lead) throw new ArgumentException($"Expand: -1 is not allowed for a new leading dimension in {Shapes.Format(newShape)}");
                target[i] = shape[i - lead];
            }
            if (i >= lead && shape[i - lead] != 1 && shape[i - lead] != target[i])
                throw new ArgumentException($"Expand: cannot expand {Shapes.Format(shape)} to {Shapes.Format(newShape)}: dimension {i} has size {shape[i - lead]}, not 1");
        }
        Shapes.Count(target, "Expand");
        Tensor y = WithLayout(target, Shapes.BroadcastStrides(shape, strides, target), offset);
        return Record("Expand", y, [this], dy => AccumulateGrad(this, dy));
    }

    /// <summary>This tensor if it is already contiguous; otherwise a contiguous copy.</summary>
    public Tensor Contiguous() => IsContiguous ? this : Copy("Contiguous", pooled: true);

    /// <summary>A copy with its own contiguous storage. As PyTorch's clone(), it stays in the graph: the
    /// copy's gradient flows back to this tensor. <c>Detach().Clone()</c> is a copy outside the graph.</summary>
    public Tensor Clone() => Copy("Clone", pooled: false);

    // y = x in new contiguous storage:  dx += dy
    // A clone is usually kept beyond the step, so its storage never comes from a TensorScope's pool.
    private Tensor Copy(string op, bool pooled)
    {
        Tensor y = DType == DType.Int32 ? ZerosInt(shape) : pooled ? Output(ShapeOf(shape)) : new Tensor(new float[Count], ShapeOf(shape));
        CopyInto(y, this);
        return Record(op, y, [this], dy => AccumulateGrad(this, dy));
    }
}
