#!/bin/bash
echo "placeholder"
