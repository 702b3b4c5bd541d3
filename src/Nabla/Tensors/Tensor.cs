namespace Nabla.Tensors;

/// <summary>
/// An n-dimensional array of float32 (or int32, see <see cref="DType"/>) with autograd.
/// A tensor is a window on a flat storage array: element [i0, i1, ...] lives at
/// <c>offset + i0·strides[0] + i1·strides[1] + ...</c>. Views (reshape, transpose, slice, expand...)
/// share the storage and differ only in shape, strides and offset, so they cost no copy.
/// </summary>
/// <remarks>
/// The class is split by idea: this file holds the layout; <c>Creation.cs</c> the factories;
/// <c>Autograd.cs</c> the graph and <c>Backward()</c>; each file under <c>Ops/</c> one family of
/// operations, forward and backward side by side.
/// </remarks>
public sealed partial class Tensor
{
    // Exactly one of the two storages is non-empty, according to DType.
    internal readonly float[] data;
    internal readonly int[] intData;
    internal readonly int[] shape;
    internal readonly int[] strides;
    internal readonly int offset;

    public DType DType { get; }

    /// <summary>A new contiguous float32 tensor over <paramref name="storage"/> (not copied).</summary>
    internal Tensor(float[] storage, int[] shape)
        : this(storage, [], DType.Float32, shape, Shapes.ContiguousStrides(shape), 0) { }

    /// <summary>A new contiguous int32 tensor over <paramref name="storage"/> (not copied).</summary>
    internal Tensor(int[] storage, int[] shape)
        : this([], storage, DType.Int32, shape, Shapes.ContiguousStrides(shape), 0) { }

    private Tensor(float[] data, int[] intData, DType dtype, int[] shape, int[] strides, int offset)
    {
        this.data = data;
        this.intData = intData;
        DType = dtype;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
    }

    /// <summary>A view of the same storage with another layout (no autograd; see Ops/Views.cs).</summary>
    internal Tensor WithLayout(int[] newShape, int[] newStrides, int newOffset)
    {
        EnsureAlive("View");
        var view = new Tensor(data, intData, DType, newShape, newStrides, newOffset);
        view.InheritScope(this);
        return view;
    }

    /// <summary>Sizes of the dimensions, outermost first.</summary>
    public ReadOnlySpan<int> Shape => shape;
    /// <summary>How far apart, in elements, neighbours along each dimension are in the storage.</summary>
    public ReadOnlySpan<int> Strides => strides;
    /// <summary>Where element [0, 0, ...] is in the storage.</summary>
    public int Offset => offset;
    public int Rank => shape.Length;
    /// <summary>Number of elements (1 for a scalar, whose shape is []).</summary>
    public int Count => Shapes.Count(shape);

    /// <summary>Size of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public int Size(int dim) => shape[Shapes.NormalizeDim(dim, shape.Length, "Size")];

    /// <summary>True if the elements are laid out row-major with no gaps, so the tensor is one span.</summary>
    public bool IsContiguous
    {
        get
        {
            int expected = 1;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                if (shape[d] != 1 && strides[d] != expected) return false;
                expected *= shape[d];
            }
            return true;
        }
    }

    /// <summary>The elements of a contiguous float32 tensor, in place. Kernels read and write this.</summary>
    internal Span<float> Span
    {
        get
        {
            RequireFloat("Span");
            if (!IsContiguous) throw new InvalidOperationException("Span: tensor is not contiguous; call Contiguous() first");
            return data.AsSpan(offset, Count);
        }
    }

    /// <summary>The elements of a contiguous int32 tensor, in place.</summary>
    internal Span<int> IntSpan
    {
        get
        {
            RequireInt("IntSpan");
            if (!IsContiguous) throw new InvalidOperationException("IntSpan: tensor is not contiguous; call Contiguous() first");
            return intData.AsSpan(offset, Count);
        }
    }

    internal void RequireFloat(string op)
    {
        EnsureAlive(op);
        if (DType != DType.Float32) throw new ArgumentException($"{op}: expects a float32 tensor, got {DTypeName} {Shapes.Format(shape)}");
    }

    internal void RequireInt(string op)
    {
        EnsureAlive(op);
        if (DType != DType.Int32) throw new ArgumentException($"{op}: expects an int32 tensor, got {DTypeName} {Shapes.Format(shape)}");
    }

    internal string DTypeName => DType == DType.Float32 ? "float32" : "int32";

    /// <summary>Storage position of the element at <paramref name="index"/>, with bounds checks.</summary>
    internal int Position(ReadOnlySpan<int> index, string op)
    {
        if (index.Length != shape.Length)
            throw new ArgumentException($"{op}: index has {index.Length} coordinates but the tensor has rank {shape.Length} {Shapes.Format(shape)}");
        int position = offset;
        for (int d = 0; d < shape.Length; d++)
        {
            int i = index[d] < 0 ? index[d] + shape[d] : index[d];
            if (i < 0 || i >= shape[d])
                throw new IndexOutOfRangeException($"{op}: index {index[d]} is out of range for dimension {d} of size {shape[d]}");
            position += i * strides[d];
        }
        return position;
    }

    /// <summary>The float32 element at <paramref name="index"/> (negative indices count from the end).</summary>
    public float Get(params ReadOnlySpan<int> index) { RequireFloat("Get"); return data[Position(index, "Get")]; }

    /// <summary>The int32 element at <paramref name="index"/>.</summary>
    public int GetInt(params ReadOnlySpan<int> index) { RequireInt("GetInt"); return intData[Position(index, "GetInt")]; }

    /// <summary>Writes one element in place. Not recorded by autograd: use it to build inputs.</summary>
    public void Set(float value, params ReadOnlySpan<int> index) { RequireFloat("Set"); data[Position(index, "Set")] = value; }

    /// <summary>The single value of a one-element float32 tensor (an int32 one's use <see cref="ItemInt"/>).</summary>
    public float Item()
    {
        RequireFloat("Item");
        if (Count != 1) throw new InvalidOperationException($"Item: only a one-element tensor has an item; this one has shape {Shapes.Format(shape)}");
        return data[offset];
    }

    /// <summary>The single value of a one-element int32 tensor (an index, a count, a sampled token).</summary>
    public int ItemInt()
    {
        RequireInt("ItemInt");
        if (Count != 1) throw new InvalidOperationException($"ItemInt: only a one-element tensor has an item; this one has shape {Shapes.Format(shape)}");
        return intData[offset];
    }

    /// <summary>The elements in row-major order, as a new array (int32 values are converted).</summary>
    public float[] ToArray()
    {
        EnsureAlive("ToArray");
        if (DType == DType.Int32) return Array.ConvertAll(ToIntArray(), v => (float)v);
        var result = new float[Count];
        CopyInto(new Tensor(result, ShapeOf(shape)), this);
        return result;
    }

    /// <summary>The elements of an int32 tensor in row-major order, as a new array.</summary>
    public int[] ToIntArray()
    {
        RequireInt("ToIntArray");
        var result = new int[Count];
        CopyInto(new Tensor(result, ShapeOf(shape)), this);
        return result;
    }

    /// <summary>destination = source, elementwise, for any two layouts of one dtype (source broadcasts to
    /// destination's shape); no graph.</summary>
    internal static void CopyInto(Tensor destination, Tensor source)
    {
        if (destination.DType != source.DType)
            throw new ArgumentException($"CopyInto: dtype {source.DTypeName} into {destination.DTypeName}");
        if (destination.DType == DType.Int32) StridedRows.ForEach(new CopyRows<int>(destination.intData, source.intData), destination, source);
        else StridedRows.ForEach(new CopyRows<float>(destination.data, source.data), destination, source);
    }

    private readonly struct CopyRows<T>(T[] destination, T[] source) : IRowAction
    {
        public void Row(int n, ReadOnlySpan<int> offsets, ReadOnlySpan<int> strides)
        {
            int od = offsets[0], os = offsets[1], ds = strides[0], ss = strides[1];
            if (ds == 1 && ss == 1) source.AsSpan(os, n).CopyTo(destination.AsSpan(od, n));
            else for (int i = 0; i < n; i++) destination[od + i * ds] = source[os + i * ss];
        }
    }

    /// <summary>A fresh copy of a shape, for a tensor that will own it.</summary>
    internal static int[] ShapeOf(ReadOnlySpan<int> shape) => shape.ToArray();
}
