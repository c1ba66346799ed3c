# bs_build DIR CONFIGURE-ARGS...: an out-of-tree build of the project in
# DIR, configured once, rebuilt incrementally. Sourced by ./check and
# ./demo; needs BS_TOP set to the source tree.
bs_build() (
	dir=$1
	shift
	cd "$BS_TOP" || exit 1
	if [ ! -x configure ] || [ configure.ac -nt configure ] ||
	   [ m4/backscatter-probes.m4 -nt configure ]; then
		./autogen.sh || exit 1
	fi
	mkdir -p "$dir" && cd "$dir" || exit 1
	if [ ! -f Makefile ] || [ "$BS_TOP/configure" -nt Makefile ]; then
		"$BS_TOP/configure" --enable-werror "$@" || exit 1
	fi
	make -j"$(nproc)"
)
