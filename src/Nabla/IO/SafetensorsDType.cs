using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Nabla.IO;

/// <summary>
/// The element types a safetensors header can name, how many bytes each takes, and which of them Nabla reads.
/// Floating-point data (F32, F16, BF16, F64) becomes a float32 tensor; integer data (I32, I64) an int32 tensor.
/// The others are recognised, so that a file holding them is refused as "not supported" rather than "unknown".
/// </summary>
internal enum SafetensorsDType
{
    F32, F16, BF16, F64, I32, I64,
    // Recognised but not read.
    BOOL, U8, I8, I16, U16, U32, U64, F8_E5M2, F8_E4M3, F8_E8M0, C64,
}

internal static class SafetensorsDTypes
{
    public const string Readable = "F32, F16, BF16, F64 (read as float32), I32 and I64 (read as int32)";

    public static bool TryParse(string name, out SafetensorsDType dtype) =>
        Enum.TryParse(name, ignoreCase: false, out dtype) && Enum.IsDefined(dtype) && name == dtype.ToString();

    public static int Size(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.BOOL or SafetensorsDType.U8 or SafetensorsDType.I8
            or SafetensorsDType.F8_E5M2 or SafetensorsDType.F8_E4M3 or SafetensorsDType.F8_E8M0 => 1,
        SafetensorsDType.F16 or SafetensorsDType.BF16 or SafetensorsDType.I16 or SafetensorsDType.U16 => 2,
        SafetensorsDType.F32 or SafetensorsDType.I32 or SafetensorsDType.U32 => 4,
        _ => 8, // F64, I64, U64, C64
    };

    public static bool IsSupported(SafetensorsDType dtype) => dtype <= SafetensorsDType.I64;

    public static bool IsFloat(SafetensorsDType dtype) => dtype <= SafetensorsDType.F64;

    /// <summary>Decodes little-endian elements of a float dtype into float32. F16 and BF16 widen exactly;
    /// F64 rounds to the nearest float32.</summary>
    public static void ToFloat(SafetensorsDType dtype, ReadOnlySpan<byte> bytes, Span<float> destination)
    {
        switch (dtype)
        {
            case SafetensorsDType.F32:
                if (BitConverter.IsLittleEndian) bytes[..(4 * destination.Length)].CopyTo(MemoryMarshal.AsBytes(destination));
                else for (int i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
                break;
            case SafetensorsDType.F16:
                if (BitConverter.IsLittleEndian) TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(bytes)[..destination.Length], destination);
                else for (int i = 0; i < destination.Length; i++) destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(2 * i)..]);
                break;
            case SafetensorsDType.BF16:
                // bfloat16 is the top half of a float32: same sign and exponent, 7 of the 23 mantissa bits.
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16);
                break;
            case SafetensorsDType.F64:
                for (int i = 0; i < destination.Length; i++) destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * i)..]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a float dtype");
        }
    }

    /// <summary>Decodes little-endian elements of an integer dtype into int32; false (with the element's index)
    /// when an I64 value does not fit.</summary>
    public static bool TryToInt(SafetensorsDType dtype, ReadOnlySpan<byte> bytes, Span<int> destination, out int badIndex)
    {
        badIndex = -1;
        if (dtype == SafetensorsDType.I32)
        {
            if (BitConverter.IsLittleEndian) bytes[..(4 * destination.Length)].CopyTo(MemoryMarshal.AsBytes(destination));
            else for (int i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 * i)..]);
            return true;
        }
        if (dtype != SafetensorsDType.I64) throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not an integer dtype");
        for (int i = 0; i < destination.Length; i++)
        {
            long value = BinaryPrimitives.ReadInt64LittleEndian(bytes[(8 * i)..]);
            if (value is < int.MinValue or > int.MaxValue) { badIndex = i; return false; }
            destination[i] = (int)value;
        }
        return true;
    }
}
