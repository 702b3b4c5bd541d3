namespace Nabla.Tensors;

/// <summary>Creating tensors: constants, ranges, copies of arrays, and random draws from a <see cref="Generator"/>.</summary>
public sealed partial class Tensor
{
    /// <summary>A float32 tensor of zeros (storage freshly allocated).</summary>
    public static Tensor Zeros(params int[] shape) => Zeros(shape, "Zeros");

    public static Tensor Ones(params int[] shape) => Full(1f, shape, "Ones");

    public static Tensor Full(float value, params int[] shape) => Full(value, shape, "Full");

    /// <summary>Zeros for the creation function <paramref name="op"/>, which a bad shape's message names.</summary>
    private static Tensor Zeros(int[] shape, string op)
    {
        Shapes.Validate(shape, op);
        return new Tensor(new float[Shapes.Count(shape)], (int[])shape.Clone());
    }

    private static Tensor Full(float value, int[] shape, string op)
    {
        Tensor t = Zeros(shape, op);
        t.data.AsSpan().Fill(value);
        return t;
    }

    /// <summary>A zero-dimensional tensor holding one value.</summary>
    public static Tensor Scalar(float value) => new([value], []);

    public static Tensor ZerosLike(Tensor t) => Zeros(t.shape);
    public static Tensor OnesLike(Tensor t) => Ones(t.shape);

    /// <summary>An int32 tensor of zeros.</summary>
    public static Tensor ZerosInt(params int[] shape) => ZerosInt(shape, "ZerosInt");

    private static Tensor ZerosInt(int[] shape, string op)
    {
        Shapes.Validate(shape, op);
        return new Tensor(new int[Shapes.Count(shape)], (int[])shape.Clone());
    }

    /// <summary>[start, start + step, ...] up to but excluding <paramref name="end"/>, as float32.</summary>
    public static Tensor Arange(float start, float end, float step = 1f)
    {
        if (!float.IsFinite(start) || !float.IsFinite(end) || !float.IsFinite(step) || step == 0)
            throw new ArgumentException($"Arange: start {start}, end {end} and step {step} must be finite, and the step non-zero");
        double count = Math.Max(0, Math.Ceiling((end - (double)start) / step));
        if (count > Shapes.MaxElements) throw Shapes.TooManyElements("Arange", $"[{start}, {end}) in steps of {step}", count);
        int n = (int)count;
        var values = new float[n];
        for (int i = 0; i < n; i++) values[i] = (float)(start + (double)i * step);
        return new Tensor(values, [n]);
    }

    /// <summary>[0, 1, ..., end − 1] as float32.</summary>
    public static Tensor Arange(int end) => Arange(0f, end);

    /// <summary>[0, 1, ..., end − 1] as int32 (for indices).</summary>
    public static Tensor ArangeInt(int end)
    {
        if (end < 0) throw new ArgumentException($"ArangeInt: end {end} is negative");
        Shapes.Validate([end], "ArangeInt");
        var values = new int[end];
        for (int i = 0; i < end; i++) values[i] = i;
        return new Tensor(values, [end]);
    }

    /// <summary><paramref name="steps"/> evenly spaced values from start to end, both included.</summary>
    public static Tensor Linspace(float start, float end, int steps)
    {
        if (steps < 0) throw new ArgumentException($"Linspace: steps {steps} is negative");
        Shapes.Validate([steps], "Linspace");
        var values = new float[steps];
        double step = steps > 1 ? ((double)end - start) / (steps - 1) : 0;
        for (int i = 0; i < steps; i++) values[i] = (float)(start + i * step);
        if (steps > 1) values[^1] = end;
        return new Tensor(values, [steps]);
    }

    /// <summary>A float32 tensor holding a copy of <paramref name="values"/>; the shape defaults to 1-D.</summary>
    public static Tensor FromArray(ReadOnlySpan<float> values, params int[] shape)
    {
        int[] s = shape.Length == 0 ? [values.Length] : (int[])shape.Clone();
        CheckCount(values.Length, s, "FromArray");
        return new Tensor(values.ToArray(), s);
    }

    /// <summary>An int32 tensor holding a copy of <paramref name="values"/>; the shape defaults to 1-D.</summary>
    public static Tensor FromArray(ReadOnlySpan<int> values, params int[] shape)
    {
        int[] s = shape.Length == 0 ? [values.Length] : (int[])shape.Clone();
        CheckCount(values.Length, s, "FromArray");
        return new Tensor(values.ToArray(), s);
    }

    /// <summary>A 2-D float32 tensor from a C# rectangular array.</summary>
    public static Tensor FromArray(float[,] values)
    {
        int rows = values.GetLength(0), cols = values.GetLength(1);
        var copy = new float[rows * cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) copy[i * cols + j] = values[i, j];
        return new Tensor(copy, [rows, cols]);
    }

    private static void CheckCount(int length, int[] shape, string op)
    {
        Shapes.Validate(shape, op);
        if (Shapes.Count(shape) != length)
            throw new ArgumentException($"{op}: {length} values do not fill shape {Shapes.Format(shape)} ({Shapes.Count(shape)} elements)");
    }

    /// <summary>Standard normal samples (mean 0, variance 1).</summary>
    public static Tensor Randn(int[] shape, Generator? generator = null) => Draw(shape, "Randn", generator, static g => g.NextNormal());

    /// <summary>Uniform samples in [0, 1).</summary>
    public static Tensor Rand(int[] shape, Generator? generator = null) => Draw(shape, "Rand", generator, static g => g.NextFloat());

    private static Tensor Draw(int[] shape, string op, Generator? generator, Func<Generator, float> draw)
    {
        Tensor t = Zeros(shape, op);
        Generator g = generator ?? Generator.Default;
        Span<float> span = t.data;
        for (int i = 0; i < span.Length; i++) span[i] = draw(g);
        return t;
    }

    /// <summary>Uniform integers in [low, high), as int32.</summary>
    public static Tensor RandInt(int low, int high, int[] shape, Generator? generator = null)
    {
        if (high <= low) throw new ArgumentException($"RandInt: empty range [{low}, {high})");
        Tensor t = ZerosInt(shape, "RandInt");
        Generator g = generator ?? Generator.Default;
        Span<int> span = t.intData;
        for (int i = 0; i < span.Length; i++) span[i] = g.NextInt(low, high);
        return t;
    }

    /// <summary>Converts to int32 by truncation toward zero (as PyTorch's .int()).</summary>
    public Tensor ToInt32()
    {
        if (DType == DType.Int32) return this;
        float[] values = ToArray();
        var ints = new int[values.Length];
        for (int i = 0; i < ints.Length; i++) ints[i] = (int)values[i];
        return new Tensor(ints, ShapeOf(shape));
    }

    /// <summary>Converts to float32 (a new, detached tensor; float32 input is returned as is).</summary>
    public Tensor ToFloat32() => DType == DType.Float32 ? this : new Tensor(ToArray(), ShapeOf(shape));
}
