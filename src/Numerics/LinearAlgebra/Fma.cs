using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Pipelines.Numerics.LinearAlgebra;

/// <summary>
/// Fused multiply-add a·b + c on SIMD vectors: the .NET 9+ <c>Vector*.FusedMultiplyAdd</c> APIs, with a net8.0 fallback
/// (x86 FMA/AVX-512 intrinsics where the CPU has them, else multiply then add).
/// </summary>
internal static class Fma
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Of(Vector<float> a, Vector<float> b, Vector<float> c) =>
#if NET9_0_OR_GREATER
        Vector.FusedMultiplyAdd(a, b, c);
#else
        (a * b) + c;
#endif

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> Of(Vector<double> a, Vector<double> b, Vector<double> c) =>
#if NET9_0_OR_GREATER
        Vector.FusedMultiplyAdd(a, b, c);
#else
        (a * b) + c;
#endif

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Of(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
#if NET9_0_OR_GREATER
        Vector256.FusedMultiplyAdd(a, b, c);
#else
        System.Runtime.Intrinsics.X86.Fma.IsSupported ? System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a, b, c) : (a * b) + c;
#endif

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Of(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
#if NET9_0_OR_GREATER
        Vector512.FusedMultiplyAdd(a, b, c);
#else
        System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? System.Runtime.Intrinsics.X86.Avx512F.FusedMultiplyAdd(a, b, c) : (a * b) + c;
#endif

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Of(Vector512<double> a, Vector512<double> b, Vector512<double> c) =>
#if NET9_0_OR_GREATER
        Vector512.FusedMultiplyAdd(a, b, c);
#else
        System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? System.Runtime.Intrinsics.X86.Avx512F.FusedMultiplyAdd(a, b, c) : (a * b) + c;
#endif
}
