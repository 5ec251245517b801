// Compiled into the net8.0 builds of Onnx and Trainers (build/Packaging.props): .NET 9's Convert.ToHexStringLower.
#if !NET9_0_OR_GREATER
namespace System;

/// <summary>net8.0 stand-ins for .NET 9 <see cref="Convert"/> members.</summary>
internal static class Net8ConvertPolyfill
{
    extension(Convert)
    {
        /// <summary>Lower-case hexadecimal, like .NET 9's <c>Convert.ToHexStringLower</c>.</summary>
        public static string ToHexStringLower(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
    }
}
#endif
