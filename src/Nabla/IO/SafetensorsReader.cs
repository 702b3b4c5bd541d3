using System.Buffers;
using Nabla.Tensors;

namespace Nabla.IO;

/// <summary>One tensor of a safetensors file as its header describes it: the name, the shape and the element
/// type it is stored in (<c>F32</c>, <c>F16</c>, <c>BF16</c>, ...).</summary>
public sealed record SafetensorsTensorInfo(string Name, int[] Shape, string DType)
{
    public int Count => Shapes.Count(Shape);
}

/// <summary>
/// A safetensors file opened for reading one tensor at a time. <see cref="Safetensors.Load(string)"/> reads the
/// whole file into new tensors; a model that already has its parameters wants each tensor's elements written
/// straight into them, so that loading a 6 GB checkpoint takes the model's memory and no second copy. The header
/// is read and checked when the file is opened, exactly as <see cref="Safetensors.Load(string)"/> checks it.
/// </summary>
public sealed class SafetensorsReader : IDisposable
{
    private readonly FileStream stream;
    private readonly long dataStart;
    private readonly Dictionary<string, SafetensorsEntry> entries;
    private readonly byte[] chunk;

    private SafetensorsReader(string path, FileStream stream)
    {
        Path = path;
        this.stream = stream;
        SafetensorsHeader header = Safetensors.ReadHeader(stream, path, out dataStart);
        entries = header.Entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        Tensors = header.Entries.Select(e => new SafetensorsTensorInfo(e.Name, e.Shape.ToArray(), e.DType.ToString())).ToList();
        Metadata = header.Metadata;
        chunk = ArrayPool<byte>.Shared.Rent(Safetensors.ChunkBytes);
    }

    /// <summary>Opens <paramref name="path"/> and checks its header.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file; the message names it and the fault.</exception>
    public static SafetensorsReader Open(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        try { return new SafetensorsReader(path, stream); }
        catch { stream.Dispose(); throw; }
    }

    /// <summary>The file's path, as errors name it.</summary>
    public string Path { get; }

    /// <summary>Every tensor, in the order of their bytes.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The string metadata of the <c>__metadata__</c> entry (empty when it has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Reads the float tensor <paramref name="name"/> (F32, F16, BF16 or F64) into
    /// <paramref name="destination"/>, which must be exactly its element count long, as float32.</summary>
    public void ReadFloats(string name, Span<float> destination)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (!entries.TryGetValue(name, out SafetensorsEntry? entry))
            throw new ArgumentException($"{Path}: no tensor named '{name}'", nameof(name));
        if (!SafetensorsDTypes.IsFloat(entry.DType))
            throw new InvalidDataException($"{Path}: tensor '{name}' is {entry.DType}, not a floating-point tensor");
        if (destination.Length != entry.Count)
            throw new ArgumentException($"{Path}: tensor '{name}' holds {entry.Count} elements, the destination {destination.Length}", nameof(destination));
        stream.Position = dataStart + entry.Begin;
        Safetensors.ReadFloats(stream, entry, destination, chunk, Path);
    }

    private bool disposed;

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        stream.Dispose();
        ArrayPool<byte>.Shared.Return(chunk);
    }
}
