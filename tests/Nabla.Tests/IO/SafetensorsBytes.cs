using System.Buffers.Binary;
using System.Text;
using Nabla.IO;

namespace Nabla.Tests.IO;

/// <summary>Builds safetensors files byte by byte (a header length, a JSON header, the data), so that tests can
/// make both valid files and every kind of broken one, and reads them back from memory.</summary>
internal static class SafetensorsBytes
{
    public const string Source = "test.safetensors";

    public static byte[] File(string headerJson, ReadOnlySpan<byte> data) => File((ulong)Encoding.UTF8.GetByteCount(headerJson), headerJson, data);

    public static byte[] File(ulong declaredHeaderLength, string headerJson, ReadOnlySpan<byte> data)
    {
        byte[] json = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredHeaderLength);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes.AsSpan(8 + json.Length));
        return bytes;
    }

    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[4 * values.Length];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }

    public static byte[] UInt16s(params ushort[] values)
    {
        var bytes = new byte[2 * values.Length];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), values[i]);
        return bytes;
    }

    public static byte[] Int64s(params long[] values)
    {
        var bytes = new byte[8 * values.Length];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8 * i), values[i]);
        return bytes;
    }

    public static SafetensorsFile Load(byte[] file) => Safetensors.Load(new MemoryStream(file, writable: false), Source);

    /// <summary>Loads a file that must be refused; returns the message, after checking that it names the file.</summary>
    public static string Refused(byte[] file)
    {
        var error = Assert.Throws<InvalidDataException>(() => Load(file));
        Assert.StartsWith(Source + ": ", error.Message);
        return error.Message;
    }
}
